#!/usr/bin/env node
/**
 * rpm benchmark: our rpm packager against `rpmbuild -bb` (gzip level 6, `w6.gzdio`) on the same
 * ~70 MB installed tree, in one run.
 *
 * The agent binaries are synthetic but realistic to compress: the largest executables in /usr/bin
 * concatenated and cut into orbit, osqueryd and fleet-desktop files of ~23.3 MB each. Our packager
 * runs in a child process (so its peak RSS is its own); rpmbuild packages the very tree our package
 * installs (extracted with rpm2cpio), with the same scriptlets, hard-link-copied into its buildroot,
 * with automatic dependency generation, stripping and build-id links off (Fleet's packages have
 * none of those either). Each tool runs `--runs` times (default 3), alternating; medians are reported.
 *
 * Usage (after `npm run build`): node bench/rpm.js [--runs N] [--keep]
 * FLEETCTL_DIST=<dir> points at another compiled tree (default: ../dist next to this file).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { linuxContext, makeAgentBinaries, median, sh } from './lib/common.js';

const DIST = process.env.FLEETCTL_DIST
  ? pathToFileURL(`${process.env.FLEETCTL_DIST.replace(/\/$/, '')}/`)
  : new URL('../dist/', import.meta.url);
const MTIME = 1_700_000_000;

// ---- child: one build with our packager, reports its own figures as JSON on stdout ----
if (process.argv[2] === '--child') {
  const { rpmPackager } = await import(new URL('packaging/rpm/packager.js', DIST).href);
  const ctx = JSON.parse(readFileSync(process.argv[3], 'utf8'));
  const t0 = process.hrtime.bigint();
  await rpmPackager.build({ ...ctx, report: () => {} });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const ru = process.resourceUsage();
  process.stdout.write(JSON.stringify({ buildMs: ms, maxRssKb: ru.maxRSS, cpuS: (ru.userCPUTime + ru.systemCPUTime) / 1e6 }));
  process.exit(0);
}

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 3) || 3;
const keep = args.includes('--keep');

const HAVE_TIME = existsSync('/usr/bin/time');

/**
 * Runs a command under /usr/bin/time (when present) and returns wall seconds, CPU seconds (user +
 * system, children included) and peak RSS in MB. CPU time is the figure to trust on a busy machine.
 */
function timed(cmd, argv, opts = {}) {
  const stats = join(tmpdir(), `rpm-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const [c, a] = HAVE_TIME ? ['/usr/bin/time', ['-o', stats, '-f', '%e %U %S %M', cmd, ...argv]] : [cmd, argv];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  let cpu = NaN;
  let rssMb = NaN;
  if (HAVE_TIME) {
    const [, user, sys, rssKb] = readFileSync(stats, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    rmSync(stats, { force: true });
    cpu = user + sys;
    rssMb = rssKb / 1024;
  }
  return { wall, cpu, rssMb, stdout: r.stdout };
}

function runOurs(work, ctxBase, i) {
  const tmp = join(work, `ours-tmp-${i}`);
  mkdirSync(tmp);
  const outPath = join(work, `ours-${i}.rpm`);
  const ctxFile = join(work, `ctx-${i}.json`);
  writeFileSync(ctxFile, JSON.stringify({ ...ctxBase, outPath, tmpDir: tmp }));
  const r = timed(process.execPath, [new URL(import.meta.url).pathname, '--child', ctxFile], {
    env: { ...process.env, FLEETCTL_DIST: new URL(DIST).pathname },
  });
  const child = JSON.parse(r.stdout);
  rmSync(tmp, { recursive: true, force: true });
  return {
    wall: r.wall,
    cpu: Number.isNaN(r.cpu) ? child.cpuS : r.cpu,
    rssMb: Number.isNaN(r.rssMb) ? child.maxRssKb / 1024 : r.rssMb,
    size: statSync(outPath).size,
    outPath,
  };
}

/** Extracts the tree our package installs and writes a spec that packages the same tree and scripts. */
function prepareRpmbuild(work, ours) {
  const root = join(work, 'tree');
  mkdirSync(root);
  sh('bash', ['-o', 'pipefail', '-c', `rpm2cpio '${ours}' | cpio -idm --quiet`], { cwd: root });
  const q = (fmt) => sh('rpm', ['-qp', '--qf', fmt, ours]);
  const listing = sh('rpm', ['-qp', '--qf', '[%{FILEMODES:perms} %{FILENAMES}\n]', ours]).trim().split('\n');
  const files = listing.map((l) => (l.startsWith('d') ? `%dir ${l.slice(11)}` : l.slice(11)));
  const spec = join(work, 'bench.spec');
  writeFileSync(
    spec,
    [
      'Name: fleet-osquery',
      'Version: 1.38.0',
      'Release: 1',
      `Summary: ${q('%{SUMMARY}')}`,
      `License: ${q('%{LICENSE}')}`,
      `URL: ${q('%{URL}')}`,
      `Vendor: ${q('%{VENDOR}')}`,
      'AutoReqProv: no',
      '%description',
      q('%{DESCRIPTION}'),
      '%install',
      `cp -al ${root}/. %{buildroot}/`,
      '%post',
      q('%{POSTIN}'),
      '%preun',
      q('%{PREUN}'),
      '%postun',
      q('%{POSTUN}'),
      '%posttrans',
      q('%{POSTTRANS}'),
      '%files',
      '%defattr(-,root,root,-)',
      ...files,
      '',
    ].join('\n'),
  );
  return spec;
}

function runRpmbuild(work, spec, i) {
  const top = join(work, `rpmbuild-${i}`);
  const defines = {
    _topdir: top,
    _binary_payload: 'w6.gzdio',
    _build_id_links: 'none',
    debug_package: '%{nil}',
    __os_install_post: '%{nil}',
    __strip: '/bin/true',
    source_date_epoch_from_changelog: '0',
  };
  const argv = ['-bb', '--quiet', ...Object.entries(defines).flatMap(([k, v]) => ['--define', `${k} ${v}`]), spec];
  const { wall, cpu } = timed('rpmbuild', argv, { env: { ...process.env, SOURCE_DATE_EPOCH: String(MTIME) } });
  const rpmDir = join(top, 'RPMS', 'x86_64');
  const out = join(rpmDir, readdirSync(rpmDir)[0]);
  const size = statSync(out).size;
  rmSync(join(top, 'BUILDROOT'), { recursive: true, force: true });
  return { wall, cpu, size };
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'rpm-bench-'));
  try {
    const bins = makeAgentBinaries(work);
    const total = bins.reduce((n, b) => n + statSync(b).size, 0);
    const ctxBase = linuxContext(work, bins, 'rpm');
    // warm the page cache and check our output once before timing
    const loadBefore = loadavg()[0];
    const first = runOurs(work, ctxBase, 'warm');
    sh('rpm', ['-K', first.outPath]);
    const spec = prepareRpmbuild(work, first.outPath);
    runRpmbuild(work, spec, 'warm');

    const ours = [];
    const peer = [];
    for (let i = 0; i < runs; i++) {
      ours.push(runOurs(work, ctxBase, i));
      peer.push(runRpmbuild(work, spec, i));
    }
    const gzip = timed('bash', ['-c', `cat ${bins.join(' ')} | gzip -6 > /dev/null`]);

    const oursWall = median(ours.map((r) => r.wall));
    const peerWall = median(peer.map((r) => r.wall));
    const oursSize = ours[0].size;
    const peerSize = peer[0].size;
    const result = {
      payloadBytes: total,
      runs,
      cores: availableParallelism(),
      ours: {
        wallS: oursWall,
        walls: ours.map((r) => +r.wall.toFixed(3)),
        cpuS: median(ours.map((r) => r.cpu)),
        sizeBytes: oursSize,
        peakRssMb: Math.max(...ours.map((r) => r.rssMb)),
      },
      rpmbuild: { wallS: peerWall, walls: peer.map((r) => +r.wall.toFixed(3)), cpuS: median(peer.map((r) => r.cpu)), sizeBytes: peerSize },
      gzip6SingleThread: { wallS: gzip.wall, cpuS: gzip.cpu },
      loadAverage: { before: loadBefore, after: loadavg()[0] },
      wallRatio: oursWall / peerWall,
      cpuRatio: median(ours.map((r) => r.cpu)) / median(peer.map((r) => r.cpu)),
      sizeDiffPct: ((oursSize - peerSize) / peerSize) * 100,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const ok = result.wallRatio <= 0.5 && Math.abs(result.sizeDiffPct) <= 3 && result.ours.peakRssMb < 150;
    process.stderr.write(
      `rpm bench: ours ${oursWall.toFixed(2)} s vs rpmbuild ${peerWall.toFixed(2)} s wall (ratio ${result.wallRatio.toFixed(2)}; CPU ratio ${result.cpuRatio.toFixed(2)}), ` +
        `size ${oursSize} vs ${peerSize} (${result.sizeDiffPct.toFixed(2)}%), peak RSS ${result.ours.peakRssMb.toFixed(0)} MB: ${ok ? 'targets met' : 'TARGETS MISSED'}\n`,
    );
  } finally {
    if (keep) {
      process.stderr.write(`kept ${work}\n`);
    } else {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

await main();
