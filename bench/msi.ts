/**
 * Benchmark: our pure-TypeScript .msi packager against wixl (msitools) building an equivalent .wxs over
 * the same ~70 MB staged Windows orbit root, in one run. The agent binaries are synthetic: real ELF files
 * from /usr/bin concatenated, so they compress like real executables.
 *
 * Both sides run in their own process, timed wall-clock from the parent (process start included). Our
 * peak RSS is the child's maxRSS. The .wxs has the same directories, one component per file, the service
 * binary copy, the service, its registry value and a major upgrade (sources relative: wixl wants that); wixl has no smart cabbing, so it
 * stores orbit.exe twice (we store it once), and it compresses single-threaded (we use the thread pool).
 *
 * Run from the repository root:
 *   npx tsc -p tsconfig.json --noEmit false --outDir bench/out/build && node bench/out/build/bench/msi.js [--mb 70] [--runs 3] [--level 0-9]
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
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArchiveEntry } from '../src/formats/entry.js';
import { createMsiPackager } from '../src/packaging/msi/index.js';
import type { BuildContext } from '../src/packaging/types.js';
import { MTIME, benchOptions, elfPool, synthBinary } from './lib/synthetic.js';

const ORBIT = 'bin/orbit/windows/stable/orbit.exe';
const OSQUERYD = 'bin/osqueryd/windows/stable/osqueryd.exe';
const DESKTOP = 'bin/desktop/windows/stable/fleet-desktop.exe';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

function text(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

function makeOrbitRoot(root: string, mb: number): void {
  const pool = elfPool();
  const MB = 1 << 20;
  synthBinary(join(root, ORBIT), Math.round(mb * 0.3 * MB), pool, 0);
  synthBinary(join(root, OSQUERYD), Math.round(mb * 0.5 * MB), pool, 97);
  synthBinary(join(root, DESKTOP), Math.round(mb * 0.2 * MB), pool, 211);
  text(
    join(root, 'certs.pem'),
    existsSync('/etc/ssl/certs/ca-certificates.crt') ? readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8') : 'certs\n',
  );
  text(join(root, 'secret.txt'), 'bench-secret');
  text(join(root, 'tuf-metadata.json'), '{"root.json":{}}\n');
  text(join(root, 'updates-metadata.json'), '{"root.json":{}}\n');
  text(join(root, 'osquery.man'), '<instrumentationManifest/>\n');
  mkdirSync(join(root, 'staging'), { recursive: true });
}

function walkEntries(root: string): ArchiveEntry[] {
  const out: ArchiveEntry[] = [];
  const own = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: MTIME } as const;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      const rel = relative(root, p);
      if (st.isDirectory()) {
        out.push({ path: rel, type: 'dir', mode: 0o755, size: 0, ...own });
        walk(p);
      } else {
        out.push({ path: rel, type: 'file', mode: 0o644, size: st.size, content: { kind: 'path', path: p }, ...own });
      }
    }
  };
  walk(root);
  return out;
}

function context(root: string, outPath: string, tmp: string): BuildContext {
  return {
    options: benchOptions('msi'),
    version: '1.38.0',
    orbitRoot: walkEntries(root),
    targets: {
      orbit: { name: 'orbit', platform: 'windows', channel: 'stable', relPath: ORBIT, version: '1.38.0', execPath: ORBIT },
      osqueryd: { name: 'osqueryd', platform: 'windows', channel: 'stable', relPath: OSQUERYD, version: '5.15.0', execPath: OSQUERYD },
      desktop: { name: 'desktop', platform: 'windows', channel: 'stable', relPath: DESKTOP, version: '1.38.0', execPath: DESKTOP },
    },
    outPath,
    tmpDir: tmp,
    report: () => {},
  };
}

/** An equivalent WiX source for wixl: same tree, one component per file, service, registry, upgrade. */
function wxs(root: string): string {
  let n = 0;
  const id = (p: string): string => `i${++n}_${p.replace(/[^A-Za-z0-9]/g, '_').slice(-40)}`;
  const guid = (): string => {
    const h = (n++).toString(16).padStart(12, '0');
    return `8B2F3E1A-1111-4C1D-9A00-${h}`;
  };
  const dir = (abs: string, name: string | null): string => {
    const parts: string[] = [];
    for (const e of readdirSync(abs).sort()) {
      const p = join(abs, e);
      if (statSync(p).isDirectory()) {
        parts.push(`<Directory Id="${id(relative(root, p))}" Name="${e}">${dir(p, e)}</Directory>`);
      } else {
        parts.push(
          `<Component Id="${id('c' + relative(root, p))}" Guid="${guid()}" Win64="yes"><File Id="${id('f' + relative(root, p))}" Name="${e}" Source="${relative(root, p)}" KeyPath="yes"/></Component>`,
        );
      }
    }
    if (name === 'orbit' && relative(root, abs) === 'bin/orbit') {
      parts.push(`<Component Id="C_ORBITBIN" Guid="AF347B4E-B84B-4DD4-9C4D-133BE17B613D" Win64="yes">
        <File Id="F_service" Name="orbit.exe" Source="${ORBIT}" KeyPath="yes"/>
        <ServiceInstall Id="SvcInst" Name="Fleet osquery" DisplayName="Fleet osquery" Type="ownProcess" Start="auto" ErrorControl="ignore" Account="LocalSystem"/>
        <ServiceControl Id="SvcCtl" Name="Fleet osquery" Start="install" Stop="both" Remove="uninstall" Wait="yes"/>
        <RegistryValue Root="HKLM" Key="SYSTEM\\CurrentControlSet\\Services\\Fleet osquery" Name="Environment" Type="string" Value="ORBIT_FLEET_URL=[FLEET_URL]"/>
      </Component>`);
    }
    if (parts.length === 0) {
      parts.push(`<Component Id="${id('e' + relative(root, abs))}" Guid="${guid()}" Win64="yes"><CreateFolder/></Component>`);
    }
    return parts.join('\n');
  };
  const body = dir(root, null);
  const refs = [...body.matchAll(/<Component Id="([^"]+)"/g)].map((m) => `<ComponentRef Id="${m[1]}"/>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
 <Product Id="*" Name="Fleet osquery" Language="1033" Version="1.38.0" Manufacturer="Fleet Device Management (fleetdm.com)" UpgradeCode="B681CB20-107E-428A-9B14-2D3C1AFED244">
  <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine"/>
  <MajorUpgrade/>
  <Media Id="1" Cabinet="orbit.cab" EmbedCab="yes"/>
  <Property Id="FLEET_URL" Value="https://fleet.example.com"/>
  <Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="ProgramFiles64Folder"><Directory Id="ORBITROOT" Name="Orbit">
${body}
  </Directory></Directory></Directory>
  <Feature Id="Orbit" Title="Fleet osquery" Level="1">${refs}</Feature>
 </Product>
</Wix>
`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function child(root: string, outPath: string, level: number | undefined): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'msi-bench-tmp-'));
  const t0 = performance.now();
  await createMsiPackager(level === undefined ? {} : { level }).build(context(root, outPath, tmp));
  const ms = performance.now() - t0;
  rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ buildMs: ms, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await child(process.argv[3]!, process.argv[4]!, process.argv[5] === undefined ? undefined : Number(process.argv[5]));
    return;
  }
  const mb = arg('mb', 70);
  const runs = arg('runs', 3);
  const level = arg('level', -1);
  const work = mkdtempSync(join(tmpdir(), 'msi-bench-'));
  try {
    const root = join(work, 'root');
    makeOrbitRoot(root, mb);
    const wxsPath = join(work, 'fleet.wxs');
    writeFileSync(wxsPath, wxs(root));
    const self = fileURLToPath(import.meta.url);
    const ours: number[] = [];
    const rss: number[] = [];
    const wixl: number[] = [];
    let ourSize = 0;
    let wixlSize = 0;
    for (let i = 0; i < runs; i++) {
      const out = join(work, 'ours.msi');
      let t0 = performance.now();
      const r = spawnSync(process.execPath, [self, '--child', root, out, ...(level >= 0 ? [String(level)] : [])], { encoding: 'utf8' });
      ours.push(performance.now() - t0);
      if (r.status !== 0) {
        throw new Error(`our build failed: ${r.stderr}`);
      }
      rss.push((JSON.parse(r.stdout.trim()) as { maxRssMB: number }).maxRssMB);
      ourSize = statSync(out).size;
      const wout = join(work, 'wixl.msi');
      t0 = performance.now();
      const w = spawnSync('wixl', ['-a', 'x64', '-o', wout, wxsPath], { encoding: 'utf8', cwd: root });
      wixl.push(performance.now() - t0);
      if (w.status !== 0) {
        throw new Error(`wixl failed: ${w.stderr}`);
      }
      wixlSize = statSync(wout).size;
    }
    const res = {
      payloadMB: mb,
      level: level >= 0 ? level : 'default',
      runs,
      oursMs: Math.round(median(ours)),
      wixlMs: Math.round(median(wixl)),
      wallRatio: Number((median(ours) / median(wixl)).toFixed(3)),
      oursPeakRssMB: Math.round(Math.max(...rss)),
      oursSizeMB: Number((ourSize / 2 ** 20).toFixed(2)),
      wixlSizeMB: Number((wixlSize / 2 ** 20).toFixed(2)),
      targets: { wallRatio: '<= 0.5', peakRssMB: '< 150' },
    };
    process.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
