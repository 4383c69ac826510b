/**
 * Shared benchmark helpers: synthetic agent binaries that compress like real ones (the largest ELF
 * executables in /usr/bin, concatenated and cut into three ~23.3 MB files = ~70 MB, the size of
 * Fleet's Linux agents), a BuildContext over them, timing and medians.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const MTIME = 1_700_000_000;
export const PART = 23_333_333;
export const DIST = process.env.FLEETCTL_DIST ? pathToFileURL(`${process.env.FLEETCTL_DIST.replace(/\/$/, '')}/`) : new URL('../../dist/', import.meta.url);

export function sh(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  return r.stdout;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall time of a command in ms (spawned, so process start-up is included as for a user). */
export function timeCommand(cmd, argv, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  return { ms, stdout: r.stdout };
}

function isElf(p) {
  try {
    if (!statSync(p).isFile()) {
      return false;
    }
    const fd = openSync(p, 'r');
    const magic = Buffer.alloc(4);
    const n = readSync(fd, magic, 0, 4, 0);
    closeSync(fd);
    return n === 4 && magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return false;
  }
}

/** Writes orbit, osqueryd and fleet-desktop (~23.3 MB each) into dir; returns their paths. */
export function makeAgentBinaries(dir, names = ['orbit', 'osqueryd', 'fleet-desktop']) {
  mkdirSync(dir, { recursive: true });
  const elves = readdirSync('/usr/bin')
    .map((n) => join('/usr/bin', n))
    .filter(isElf)
    .sort((a, b) => statSync(b).size - statSync(a).size);
  const out = names.map((n) => join(dir, n));
  let part = 0;
  let written = 0;
  let fd = openSync(out[0], 'w', 0o755);
  for (const p of elves) {
    let data = readFileSync(p);
    while (data.length > 0 && part < names.length) {
      const take = Math.min(PART - written, data.length);
      writeSync(fd, data, 0, take);
      written += take;
      data = data.subarray(take);
      if (written === PART) {
        closeSync(fd);
        part += 1;
        written = 0;
        if (part < names.length) {
          fd = openSync(out[part], 'w', 0o755);
        }
      }
    }
    if (part === names.length) {
      break;
    }
  }
  if (part < names.length) {
    throw new Error('not enough ELF files in /usr/bin for 70 MB');
  }
  return out;
}

function fileEntry(path, src, mode) {
  return { path, type: 'file', mode, mtime: MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root', size: statSync(src).size, content: { kind: 'path', path: src } };
}

function dirEntry(path) {
  return { path, type: 'dir', mode: 0o755, mtime: MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 0 };
}

/** A serialisable BuildContext (minus `report`) for a Linux package over the three binaries. */
export function linuxContext(work, [orbit, osqueryd, desktop], type) {
  const small = join(work, 'small');
  mkdirSync(small, { recursive: true });
  writeFileSync(join(small, 'certs.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  writeFileSync(join(small, 'tuf-metadata.json'), '{"root.json":{}}\n');
  const files = [
    fileEntry('bin/orbit/linux/stable/orbit', orbit, 0o755),
    fileEntry('bin/osqueryd/linux/stable/osqueryd', osqueryd, 0o755),
    fileEntry('bin/desktop/linux/stable/fleet-desktop/fleet-desktop', desktop, 0o755),
    fileEntry('certs.pem', join(small, 'certs.pem'), 0o644),
    fileEntry('tuf-metadata.json', join(small, 'tuf-metadata.json'), 0o600),
  ];
  const dirs = new Set(['staging']);
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      dirs.add(parts.slice(0, i).join('/'));
    }
  }
  const orbitRoot = [...[...dirs].sort().map(dirEntry), ...files];
  const target = (name, rel, version) => ({ name, platform: 'linux', channel: 'stable', relPath: rel, version, execPath: rel });
  const tmpDir = join(work, `tmp-${type}`);
  mkdirSync(tmpDir, { recursive: true });
  return {
    options: {
      type, arch: 'amd64', fleetUrl: 'https://fleet.example.com', enrollSecret: 'bench-secret', fleetDesktopAlternativeBrowserHost: '',
      identifier: 'com.fleetdm.orbit', insecure: false, service: true, orbitChannel: 'stable', osquerydChannel: 'stable', desktopChannel: 'stable',
      disableUpdates: false, disableSetupExperience: false, bypassEndUserAuth: false, updateUrl: 'https://updates.fleetdm.com', debug: false,
      fleetDesktop: true, updateInterval: '15m0s', useSystemConfiguration: false, enableScripts: false, hostIdentifier: 'uuid', endUserEmail: '',
      disableKeystore: false, osqueryDb: '', fleetManagedHostIdentityCertificate: false, cpuQuota: 20, mtime: MTIME,
    },
    version: '1.38.0',
    orbitRoot,
    targets: {
      orbit: target('orbit', 'bin/orbit/linux/stable/orbit', '1.38.0'),
      osqueryd: target('osqueryd', 'bin/osqueryd/linux/stable/osqueryd', '5.15.0'),
      desktop: { ...target('desktop', 'bin/desktop/linux/stable/desktop.tar.gz', '1.38.0'), execPath: 'bin/desktop/linux/stable/fleet-desktop/fleet-desktop' },
    },
    outPath: join(work, `out.${type}`),
    tmpDir,
  };
}

/** Runs `node <script> --child <ctx.json>` and returns the JSON the child prints. */
export function runChild(script, ctx, work) {
  const file = join(work, `ctx-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(ctx));
  const t0 = process.hrtime.bigint();
  const out = sh(process.execPath, [script, '--child', file]);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ...JSON.parse(out), wallMs };
}

/** In a child: builds with the named packager and prints its timing and peak RSS. */
export async function childBuild(modulePath, exportName) {
  const mod = await import(new URL(modulePath, DIST).href);
  const ctx = JSON.parse(readFileSync(process.argv[3], 'utf8'));
  const t0 = process.hrtime.bigint();
  await mod[exportName].build({ ...ctx, report: () => {} });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const ru = process.resourceUsage();
  process.stdout.write(JSON.stringify({ buildMs: ms, maxRssKb: ru.maxRSS, cpuS: (ru.userCPUTime + ru.systemCPUTime) / 1e6 }));
}
