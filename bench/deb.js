#!/usr/bin/env node
/**
 * deb benchmark: our deb packager against `dpkg-deb --root-owner-group -Zgzip -z6 --build` on the same
 * ~70 MB tree (synthetic agent binaries from real ELF files), in one run, alternating, medians of
 * --runs (default 3). Also times `fleetctl --help` (start-up cost of the CLI).
 * Usage (after `npm run build`): node bench/deb.js [--runs N]
 */
import { linkSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childBuild, linuxContext, makeAgentBinaries, median, runChild, timeCommand } from './lib/common.js';

if (process.argv[2] === '--child') {
  await childBuild('packaging/deb/packager.js', 'debPackager');
  process.exit(0);
}

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 3) || 3;
const here = fileURLToPath(import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'bench-deb-'));
try {
  const bins = makeAgentBinaries(join(work, 'agents'));
  const ctx = linuxContext(work, bins, 'deb');

  // The peer packages the same installed tree: orbit root under /opt/orbit (hard links, no copy).
  const root = join(work, 'dpkg-root');
  for (const e of ctx.orbitRoot) {
    const dest = join(root, 'opt/orbit', e.path);
    if (e.type === 'dir') {
      mkdirSync(dest, { recursive: true });
    } else {
      mkdirSync(dirname(dest), { recursive: true });
      linkSync(e.content.path, dest);
    }
  }
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  writeFileSync(join(root, 'DEBIAN/control'), 'Package: fleet-osquery\nVersion: 1.38.0\nArchitecture: amd64\nMaintainer: Bench <bench@example.com>\nDescription: bench\n');
  chmodSync(join(root, 'DEBIAN'), 0o755);

  const ours = [];
  const peer = [];
  let ourRss = 0;
  for (let i = 0; i < runs; i++) {
    const r = runChild(here, ctx, work);
    ours.push(r.wallMs);
    ourRss = Math.max(ourRss, r.maxRssKb);
    peer.push(timeCommand('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', root, join(work, 'peer.deb')], { env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' } }).ms);
  }
  const help = [];
  const cli = join(dirname(here), '..', 'bin', 'fleetctl.js');
  for (let i = 0; i < 11; i++) {
    help.push(timeCommand(process.execPath, [cli, '--help']).ms);
  }
  const oursMs = median(ours);
  const peerMs = median(peer);
  const result = {
    bench: 'deb',
    payloadBytes: bins.reduce((n, b) => n + statSync(b).size, 0),
    runs,
    oursMs: Math.round(oursMs),
    dpkgDebMs: Math.round(peerMs),
    wallRatio: Number((oursMs / peerMs).toFixed(3)),
    oursBytes: statSync(ctx.outPath).size,
    dpkgDebBytes: statSync(join(work, 'peer.deb')).size,
    ourPeakRssMb: Math.round(ourRss / 1024),
    helpMs: Math.round(median(help)),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
