/**
 * Benchmark: our pure-TypeScript .pkg packager against the shell pipeline Fleet's builder uses
 * (`find . | cpio -o --format odc -R 0:80 | gzip -6` for Payload and Scripts, then an uncompressed
 * xar of the flat package, here made by `bsdtar --format xar`), on the same ~70 MB staged tree in
 * one run. The tree holds synthetic agent binaries made by concatenating real ELF files from
 * /usr/bin, so they compress like real ones.
 *
 * Each side runs in its own process and is timed wall-clock from the parent (process start
 * included for both). Our peak RSS is the child's maxRSS. The baseline does not build a BOM
 * (Fleet does that in Go); ours does, so the comparison is conservative.
 *
 * Run from the repository root:
 *   npx tsc -p tsconfig.json --noEmit false --outDir bench/out/build && node bench/out/build/bench/pkg.js [--mb 70] [--runs 3]
 * (bench/out/ is git-ignored; inside the repository so node_modules resolves.)
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { TEMPLATES_DIR } from '../src/core/template.js';
import type { ArchiveEntry } from '../src/formats/entry.js';
import { buildBom } from '../src/formats/bom/writer.js';
import { launchdPlist } from '../src/packaging/pkg/launchd-plist.js';
import { distribution, packageInfo, postinstall } from '../src/packaging/pkg/metadata.js';
import { pkgPackager } from '../src/packaging/pkg/packager.js';
import type { BuildContext } from '../src/packaging/types.js';
import { MTIME, benchOptions, elfPool, synthBinary } from './lib/synthetic.js';

const ORBIT_EXEC = 'bin/orbit/macos/stable/orbit';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

function text(path: string, content: string, mode = 0o644): void {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, content, { mode });
}

/** Lays out a macOS orbit root (as the shared staging step leaves it) of about `mb` MB. */
function makeOrbitRoot(orbitDir: string, mb: number): void {
  const pool = elfPool();
  const MB = 1 << 20;
  synthBinary(join(orbitDir, ORBIT_EXEC), Math.round(mb * 0.3 * MB), pool, 0);
  const app = join(orbitDir, 'bin/osqueryd/macos-app/stable/osquery.app/Contents');
  synthBinary(join(app, 'MacOS/osqueryd'), Math.round(mb * 0.5 * MB), pool, 97);
  text(join(app, 'Info.plist'), '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict/></plist>\n');
  text(join(orbitDir, 'bin/osqueryd/macos-app/stable/osqueryd.app.tar.gz.sha512'), `${'ab'.repeat(64)}\n`);
  const desk = join(orbitDir, 'bin/desktop/macos/stable/Fleet Desktop.app/Contents');
  synthBinary(join(desk, 'MacOS/fleet-desktop'), Math.round(mb * 0.2 * MB), pool, 211);
  text(join(desk, 'Info.plist'), '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict/></plist>\n');
  for (let i = 0; i < 40; i++) {
    text(join(desk, `Resources/icon-${i}.txt`), `resource ${i}\n`.repeat(50));
  }
  text(join(orbitDir, 'bin/desktop/macos/stable/desktop.app.tar.gz.sha512'), `${'cd'.repeat(64)}\n`);
  text(
    join(orbitDir, 'certs.pem'),
    existsSync('/etc/ssl/certs/ca-certificates.crt') ? readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8') : 'certs\n',
  );
  text(join(orbitDir, 'secret.txt'), 'bench-secret', 0o600);
  text(join(orbitDir, 'tuf-metadata.json'), '{"root.json":{}}\n', 0o600);
  mkdirSync(join(orbitDir, 'staging'), { recursive: true });
}

/** The orbit root as ArchiveEntry records pointing at the files on disk (what staging produces). */
function walkEntries(orbitDir: string): ArchiveEntry[] {
  const out: ArchiveEntry[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      const rel = relative(orbitDir, p);
      const own = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: MTIME } as const;
      if (st.isDirectory()) {
        out.push({ path: rel, type: 'dir', mode: 0o755, size: 0, ...own });
        walk(p);
      } else {
        out.push({ path: rel, type: 'file', mode: st.mode & 0o7777, size: st.size, content: { kind: 'path', path: p }, ...own });
      }
    }
  };
  walk(orbitDir);
  return out;
}

function context(work: string, outPath: string, tmp: string): BuildContext {
  const exec = ORBIT_EXEC;
  return {
    options: benchOptions('pkg'),
    version: '1.38.0',
    orbitRoot: walkEntries(join(work, 'root/opt/orbit')),
    targets: {
      orbit: { name: 'orbit', platform: 'macos', channel: 'stable', relPath: exec, version: '1.38.0', execPath: exec },
      osqueryd: {
        name: 'osqueryd',
        platform: 'macos-app',
        channel: 'stable',
        relPath: 'bin/osqueryd/macos-app/stable/osqueryd.app.tar.gz',
        version: '5.15.0',
        execPath: 'bin/osqueryd/macos-app/stable/osquery.app/Contents/MacOS/osqueryd',
      },
    },
    outPath,
    tmpDir: tmp,
    report: () => {},
  };
}

/** Child mode: build our package once and print timing and peak RSS as JSON. */
async function child(work: string, outPath: string): Promise<void> {
  const tmp = mkdtempSync(join(work, 'tmp-'));
  const t0 = performance.now();
  await pkgPackager.build(context(work, outPath, tmp));
  const ms = performance.now() - t0;
  rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ buildMs: ms, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timeIt(cmd: string, args: string[]): { ms: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  }
  return { ms, stdout: r.stdout };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await child(process.argv[3] as string, process.argv[4] as string);
    return;
  }
  // Compiled into a separate directory, templates/ is not beside src/: point it at the repository's.
  if (!existsSync(TEMPLATES_DIR) && existsSync('templates')) {
    symlinkSync(resolve('templates'), TEMPLATES_DIR.replace(/\/$/, ''));
  }
  const mb = arg('mb', 70);
  const runs = arg('runs', 3);
  const work = mkdtempSync(join(tmpdir(), 'pkg-bench-'));
  try {
    makeOrbitRoot(join(work, 'root/opt/orbit'), mb);
    // The baseline gets the same payload tree, launchd plist included, and the same metadata files.
    const ctx = context(work, join(work, 'ours.pkg'), work);
    text(join(work, 'root/Library/LaunchDaemons/com.fleetdm.orbit.plist'), launchdPlist(ctx.options));
    text(join(work, 'scripts/postinstall'), postinstall(ctx), 0o744);
    const summary = { numberOfFiles: 0, installKBytes: 0 };
    text(join(work, 'flat/Distribution'), distribution(ctx, summary));
    text(join(work, 'flat/base.pkg/PackageInfo'), packageInfo(ctx, summary));
    writeFileSync(
      join(work, 'flat/base.pkg/Bom'),
      buildBom([{ path: '.', type: 'dir', mode: 0o755, uid: 0, gid: 80, mtime: MTIME, size: 0, checksum: 0 }]),
    );
    const payloadBytes = walkEntries(join(work, 'root/opt/orbit')).reduce((s, e) => s + e.size, 0);

    const baselineScript = [
      `cd '${work}/root' && find . | cpio -o --quiet --format odc -R 0:80 | gzip -6 > '${work}/flat/base.pkg/Payload'`,
      `cd '${work}/scripts' && find . | cpio -o --quiet --format odc -R 0:80 | gzip -6 > '${work}/flat/base.pkg/Scripts'`,
      `cd '${work}/flat' && bsdtar --format xar --options xar:compression=none -cf '${work}/baseline.pkg' .`,
    ].join(' && ');
    const self = process.argv[1] as string;
    const ours: number[] = [];
    const oursBuild: number[] = [];
    const rss: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < runs; i++) {
      const o = timeIt(process.execPath, [self, '--child', work, join(work, 'ours.pkg')]);
      const j = JSON.parse(o.stdout) as { buildMs: number; maxRssMB: number };
      ours.push(o.ms);
      oursBuild.push(j.buildMs);
      rss.push(j.maxRssMB);
      base.push(timeIt('bash', ['-o', 'pipefail', '-c', baselineScript]).ms);
    }
    const result = {
      payloadMB: +(payloadBytes / (1 << 20)).toFixed(1),
      runs,
      oursWallMs: Math.round(median(ours)),
      oursBuildMs: Math.round(median(oursBuild)),
      baselineWallMs: Math.round(median(base)),
      wallRatio: +(median(ours) / median(base)).toFixed(2),
      oursPeakRssMB: Math.round(Math.max(...rss)),
      oursPkgMB: +(statSync(join(work, 'ours.pkg')).size / (1 << 20)).toFixed(2),
      baselinePkgMB: +(statSync(join(work, 'baseline.pkg')).size / (1 << 20)).toFixed(2),
      targets: { wallRatio: '<= 0.8', peakRssMB: '< 150' },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
