#!/usr/bin/env node
// Offline demo: builds a local TUF repository of fake agent binaries with `fleetctl updates`, then
// builds every installer type from it with `fleetctl package` into ./demo-out. No network, no server.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { createGzip } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { pack } from 'tar-stream';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'fleetctl.js');
const out = resolve(process.argv[2] ?? join(root, 'demo-out'));
const agents = join(out, 'agents');
const repo = join(out, 'tuf-repo');
const env = {
  ...process.env,
  XDG_CACHE_HOME: join(out, '.cache'),
  FLEET_ROOT_PASSPHRASE: 'demo-root',
  FLEET_TARGETS_PASSPHRASE: 'demo-targets',
  FLEET_SNAPSHOT_PASSPHRASE: 'demo-snapshot',
  FLEET_TIMESTAMP_PASSPHRASE: 'demo-timestamp',
  NO_COLOR: '1',
};
const template = readFileSync(join(root, 'fixtures', 'demo', 'fake-agent.sh'), 'utf8');
const VERSIONS = { orbit: '1.38.0', osqueryd: '5.15.0', desktop: '1.38.0' };

function fleetctl(args, cwd = out) {
  return execFileSync(process.execPath, [cli, ...args], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function fakeBinary(name, platform) {
  return Buffer.from(template.replace('@NAME@', name).replace('@VERSION@', VERSIONS[name] ?? '0').replace('@PLATFORM@', platform));
}

async function tarGz(file, entries) {
  const p = pack();
  const done = pipeline(p, createGzip(), createWriteStream(file));
  for (const e of entries) {
    if (e.dir) {
      p.entry({ name: e.name, type: 'directory', mode: 0o755, mtime: new Date(0) });
    } else {
      p.entry({ name: e.name, mode: e.mode ?? 0o644, mtime: new Date(0) }, e.data);
    }
  }
  p.finalize();
  await done;
}

async function main() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(agents, { recursive: true });
  fleetctl(['updates', 'init', '--path', repo]);
  const add = (file, name, platform) => fleetctl(['updates', 'add', '--path', repo, '--target', file, '--name', name, '--platform', platform, '--version', VERSIONS[name], '-t', 'stable', '-t', 'edge']);
  for (const platform of ['linux', 'linux-arm64', 'windows', 'windows-arm64', 'macos']) {
    const exe = platform.startsWith('windows') ? '.exe' : '';
    const dir = join(agents, platform);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `orbit${exe}`), fakeBinary('orbit', platform), { mode: 0o755 });
    add(join(dir, `orbit${exe}`), 'orbit', platform);
    if (platform !== 'macos') {
      writeFileSync(join(dir, `osqueryd${exe}`), fakeBinary('osqueryd', platform), { mode: 0o755 });
      add(join(dir, `osqueryd${exe}`), 'osqueryd', platform);
    }
    if (platform.startsWith('windows')) {
      writeFileSync(join(dir, 'fleet-desktop.exe'), fakeBinary('desktop', platform), { mode: 0o755 });
      add(join(dir, 'fleet-desktop.exe'), 'desktop', platform);
    } else if (platform.startsWith('linux')) {
      await tarGz(join(dir, 'desktop.tar.gz'), [
        { name: 'fleet-desktop/', dir: true },
        { name: 'fleet-desktop/fleet-desktop', data: fakeBinary('desktop', platform), mode: 0o755 },
      ]);
      add(join(dir, 'desktop.tar.gz'), 'desktop', platform);
    } else {
      await tarGz(join(dir, 'desktop.app.tar.gz'), [
        { name: 'Fleet Desktop.app/', dir: true },
        { name: 'Fleet Desktop.app/Contents/', dir: true },
        { name: 'Fleet Desktop.app/Contents/MacOS/', dir: true },
        { name: 'Fleet Desktop.app/Contents/MacOS/fleet-desktop', data: fakeBinary('desktop', platform), mode: 0o755 },
      ]);
      add(join(dir, 'desktop.app.tar.gz'), 'desktop', platform);
    }
  }
  const macApp = join(agents, 'macos-app');
  mkdirSync(macApp, { recursive: true });
  await tarGz(join(macApp, 'osqueryd.app.tar.gz'), [
    { name: 'osquery.app/', dir: true },
    { name: 'osquery.app/Contents/', dir: true },
    { name: 'osquery.app/Contents/MacOS/', dir: true },
    { name: 'osquery.app/Contents/MacOS/osqueryd', data: fakeBinary('osqueryd', 'macos'), mode: 0o755 },
  ]);
  add(join(macApp, 'osqueryd.app.tar.gz'), 'osqueryd', 'macos-app');

  const roots = fleetctl(['updates', 'roots', '--path', repo]).trim();
  const { supportedTypes } = await import(join(root, 'dist', 'packaging', 'registry.js'));
  const types = supportedTypes();
  for (const type of types) {
    process.stderr.write(`\n== fleetctl package --type ${type}\n`);
    fleetctl([
      'package', `--type=${type}`, '--fleet-url=https://fleet.example.com', '--enroll-secret=demo-enroll-secret-0123456789ab',
      `--update-url=${join(repo, 'repository')}`, `--update-roots=${roots}`, '--fleet-desktop', '--disable-open-folder',
    ]);
  }
  process.stderr.write('\nDemo installers in ' + out + ':\n');
  for (const f of readdirSync(out).filter((f) => /\.(deb|rpm|pkg|msi)$/.test(f)).sort()) {
    process.stderr.write(`  ${f.padEnd(40)} ${String(statSync(join(out, f)).size).padStart(10)} bytes\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
