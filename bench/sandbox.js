#!/usr/bin/env node
/**
 * Sandbox provisioning benchmark (issue 9: "compress once, reuse many times"). Over a local TUF
 * repository whose Linux, macOS and Windows agents are ~70 MB each of real ELF data (orbit, osqueryd
 * and desktop of ~23.3 MB; osqueryd and desktop as `.app.tar.gz` archives for macOS, desktop as
 * `desktop.tar.gz` for Linux), with a warm TUF cache and SOURCE_DATE_EPOCH fixed, it measures:
 *   (a) `fleetctl package` once for each of deb, rpm, pkg and msi (sum of the four wall times),
 *   (b) `fleetctl sandbox provision --teams 10 --dest <dir>` (11 secrets × 4 types = 44 installers),
 * and reports b / a (target ≤ 1.5; rebuilding every installer from scratch would be about 11×), the
 * installer sizes and the peak RSS of each fleetctl process. Medians of --runs (default 3).
 * Usage (after `npm run build`): node bench/sandbox.js [--runs N] [--teams T] [--concurrency N] [--cpu-prof DIR] [--keep]
 *   --cpu-prof DIR writes a V8 CPU profile of each sandbox run into DIR; --keep leaves the work
 *   directory (TUF repository, warm cache) in place for further profiling and prints its path.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { DIST, MTIME, makeAgentBinaries, median } from './lib/common.js';

// In a child: run the CLI in-process and leave the peak RSS and CPU time in $BENCH_USAGE_FILE.
if (process.argv[2] === '--child') {
  const usageFile = process.env.BENCH_USAGE_FILE;
  process.on('exit', () => {
    const ru = process.resourceUsage();
    writeFileSync(usageFile, JSON.stringify({ maxRssKb: ru.maxRSS, cpuS: (ru.userCPUTime + ru.systemCPUTime) / 1e6 }));
  });
  process.argv = [process.argv[0], process.argv[3], ...process.argv.slice(4)];
  await import(pathUrl(process.argv[1]));
} else {
  await main();
}

function pathUrl(p) {
  return new URL(`file://${resolve(p)}`).href;
}

function arg(args, name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
}

/**
 * Per-platform copies of the three binaries, rotated by a platform-specific offset: real agents
 * differ per platform, and identical bytes would share one file in the content-addressed TUF store.
 */
function platformVariant(src, dest, shift) {
  const data = readFileSync(src);
  const k = shift % data.length;
  writeFileSync(dest, Buffer.concat([data.subarray(k), data.subarray(0, k)]), { mode: 0o755 });
  return dest;
}

async function tarGz(file, entries) {
  const p = pack();
  const done = pipeline(p, createGzip({ level: 6 }), createWriteStream(file));
  for (const e of entries) {
    if (e.data === undefined) {
      p.entry({ name: e.name, type: 'directory', mode: 0o755, mtime: new Date(0) });
    } else {
      p.entry({ name: e.name, mode: 0o755, mtime: new Date(0) }, e.data);
    }
  }
  p.finalize();
  await done;
  return file;
}

/** Runs the built CLI in a child wrapper; returns wall time, peak RSS and CPU seconds. */
function fleetctl(cli, argv, { cwd, env, prof }) {
  const usage = join(cwd, `.usage-${process.pid}-${Date.now()}.json`);
  const node = prof !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...node, fileURLToPath(import.meta.url), '--child', cli, ...argv], {
    cwd,
    env: { ...env, BENCH_USAGE_FILE: usage },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    throw new Error(`fleetctl ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  const u = JSON.parse(readFileSync(usage, 'utf8'));
  rmSync(usage, { force: true });
  return { wallMs, ...u, stdout: r.stdout, stderr: r.stderr };
}

function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(e.parentPath ?? dir, e.name);
    if (e.isDirectory()) {
      out.push(...filesUnder(p));
    } else {
      out.push(p);
    }
  }
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  const runs = Math.max(1, Number(arg(args, 'runs', '3')) || 3);
  const teams = Math.max(0, Number(arg(args, 'teams', '10')));
  const concurrency = arg(args, 'concurrency', undefined);
  const profDir = arg(args, 'cpu-prof', undefined);
  const keep = args.includes('--keep');
  const here = fileURLToPath(import.meta.url);
  const cli = join(dirname(here), '..', 'bin', 'fleetctl.js');
  const { initRepo, addTarget, rootsOf } = await import(new URL('tuf/repo.js', DIST).href);

  const work = mkdtempSync(join(tmpdir(), 'bench-sandbox-'));
  try {
    // The TUF repository: every platform the four types use, ~70 MB of agents each.
    const base = makeAgentBinaries(join(work, 'agents'));
    const pass = async (role) => `bench-${role}`;
    const repo = join(work, 'repo');
    await initRepo({ path: repo, passphrase: pass });
    const add = (target, name, platform, version) => addTarget({ path: repo, passphrase: pass, target, name, platform, version, tags: ['stable'] });
    const platforms = ['linux', 'macos', 'windows'];
    for (const [pi, platform] of platforms.entries()) {
      const dir = join(work, 'agents', platform);
      mkdirSync(dir, { recursive: true });
      const exe = platform === 'windows' ? '.exe' : '';
      const [orbit, osqueryd, desktop] = base.map((b, i) => platformVariant(b, join(dir, `${basename(b)}${exe}`), 4099 * (pi * 3 + i + 1)));
      await add(orbit, 'orbit', platform, '1.38.0');
      if (platform === 'macos') {
        const app = await tarGz(join(dir, 'osqueryd.app.tar.gz'), [
          { name: 'osquery.app/' },
          { name: 'osquery.app/Contents/' },
          { name: 'osquery.app/Contents/MacOS/' },
          { name: 'osquery.app/Contents/MacOS/osqueryd', data: readFileSync(osqueryd) },
        ]);
        await add(app, 'osqueryd', 'macos-app', '5.15.0');
        const desk = await tarGz(join(dir, 'desktop.app.tar.gz'), [
          { name: 'Fleet Desktop.app/' },
          { name: 'Fleet Desktop.app/Contents/' },
          { name: 'Fleet Desktop.app/Contents/MacOS/' },
          { name: 'Fleet Desktop.app/Contents/MacOS/fleet-desktop', data: readFileSync(desktop) },
        ]);
        await add(desk, 'desktop', 'macos', '1.38.0');
      } else {
        await add(osqueryd, 'osqueryd', platform, '5.15.0');
        if (platform === 'linux') {
          const desk = await tarGz(join(dir, 'desktop.tar.gz'), [{ name: 'fleet-desktop/' }, { name: 'fleet-desktop/fleet-desktop', data: readFileSync(desktop) }]);
          await add(desk, 'desktop', platform, '1.38.0');
        } else {
          await add(desktop, 'desktop', platform, '1.38.0');
        }
      }
    }
    const roots = await rootsOf(repo);
    const env = { ...process.env, XDG_CACHE_HOME: join(work, 'cache'), SOURCE_DATE_EPOCH: String(MTIME) };
    delete env.NODE_OPTIONS;
    const common = [
      '--fleet-url=https://fleet.example.com',
      `--update-url=${join(repo, 'repository')}`,
      `--update-roots=${roots}`,
      '--fleet-desktop',
    ];
    const types = ['deb', 'rpm', 'pkg', 'msi'];
    const out = join(work, 'out');
    mkdirSync(out, { recursive: true });
    const pkgArgs = (type) => ['package', `--type=${type}`, ...common, '--enroll-secret=bench-secret-0123456789abcdef'];

    // Warm the TUF cache (metadata and targets of every platform); not timed.
    for (const type of types) {
      fleetctl(cli, pkgArgs(type), { cwd: out, env });
    }

    // (a) and (b) alternate within each run, so load from other processes on the machine affects
    // both alike; the ratio is taken per run (wall and CPU time), then the median.
    const single = Object.fromEntries(types.map((t) => [t, []]));
    const sizes = {};
    let singleRss = 0;
    const aRuns = [];
    const aCpu = [];
    const sandboxMs = [];
    const sandboxCpu = [];
    let sandboxRss = 0;
    let installers = 0;
    let installerBytes = 0;
    if (profDir !== undefined) {
      mkdirSync(profDir, { recursive: true });
    }
    for (let r = 0; r < runs; r++) {
      // (a) one installer of each type, each its own fleetctl process.
      let aMs = 0;
      let aCpuS = 0;
      for (const type of types) {
        rmSync(out, { recursive: true, force: true });
        mkdirSync(out, { recursive: true });
        const res = fleetctl(cli, pkgArgs(type), { cwd: out, env });
        single[type].push(res.wallMs);
        aMs += res.wallMs;
        aCpuS += res.cpuS;
        singleRss = Math.max(singleRss, res.maxRssKb);
        const f = readdirSync(out).filter((n) => n.startsWith('fleet-osquery'));
        sizes[type] = f.length === 1 ? statSync(join(out, f[0])).size : null;
      }
      aRuns.push(aMs);
      aCpu.push(aCpuS);

      // (b) the sandbox: T+1 secrets × 4 types, to a fresh local directory.
      const dest = join(work, `dest-${r}`);
      mkdirSync(dest, { recursive: true });
      const res = fleetctl(
        cli,
        [
          'sandbox',
          'provision',
          `--teams=${teams}`,
          `--dest=${dest}`,
          `--types=${types.join(',')}`,
          ...(concurrency !== undefined ? [`--concurrency=${concurrency}`] : []),
          ...common,
        ],
        // The env file goes to the default fleet-sandbox.env in cwd: Node 20 itself takes any
        // `--env-file=` argument, even one after the script name.
        { cwd: dest, env, ...(profDir !== undefined ? { prof: resolve(profDir) } : {}) },
      );
      sandboxMs.push(res.wallMs);
      sandboxCpu.push(res.cpuS);
      sandboxRss = Math.max(sandboxRss, res.maxRssKb);
      const files = filesUnder(join(dest, 'fleet-installers')).filter((p) => /fleet-osquery\.(deb|rpm|pkg|msi)$/.test(p));
      installers = files.length;
      installerBytes = files.reduce((n, p) => n + statSync(p).size, 0);
      rmSync(dest, { recursive: true, force: true });
      if (installers !== (teams + 1) * types.length) {
        throw new Error(`sandbox wrote ${installers} installers, expected ${(teams + 1) * types.length}`);
      }
    }
    const singleMs = Object.fromEntries(types.map((t) => [t, Math.round(median(single[t]))]));
    const ratios = sandboxMs.map((b, i) => b / aRuns[i]);
    const cpuRatios = sandboxCpu.map((b, i) => b / aCpu[i]);
    const result = {
      bench: 'sandbox',
      runs,
      teams,
      installers,
      agentBytesPerPlatform: base.reduce((n, b) => n + statSync(b).size, 0),
      singleBuildMs: singleMs,
      a_sumOfSingleBuildsMs: aRuns.map(Math.round),
      b_sandboxMs: sandboxMs.map(Math.round),
      ratio: Number(median(ratios).toFixed(3)),
      ratios: ratios.map((x) => Number(x.toFixed(3))),
      target: 1.5,
      naiveRatio: teams + 1,
      a_cpuS: aCpu.map((x) => Number(x.toFixed(1))),
      b_cpuS: sandboxCpu.map((x) => Number(x.toFixed(1))),
      cpuRatio: Number(median(cpuRatios).toFixed(3)),
      installerBytes: sizes,
      sandboxInstallerBytesTotal: installerBytes,
      singleBuildPeakRssMb: Math.round(singleRss / 1024),
      sandboxPeakRssMb: Math.round(sandboxRss / 1024),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    if (keep) {
      process.stderr.write(`work directory kept: ${work}\n`);
    } else {
      rmSync(work, { recursive: true, force: true });
    }
  }
}
