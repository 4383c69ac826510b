/**
 * Authenticode on real tools: osslsigncode verifies what we sign (our packages through the msi
 * packager's signing hook, a wixl-made package and an osslsigncode-signed one through signMsi), with
 * the test CA and a local RFC 3161 timestamp authority; changing one byte of any stream breaks the
 * signature; our digest equals osslsigncode's; and a signed package still installs under Wine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fakeContext } from '../helpers/fake-context.js';
import { run, runOk, tools } from '../helpers/tools.js';
import { createMsiPackager } from '../../src/packaging/msi/index.js';
import { parseWindowsSigning } from '../../src/packaging/msi/sign-options.js';
import type { BuildContext } from '../../src/packaging/types.js';
import { CompoundFileReader } from '../../src/formats/cfb/reader.js';
import { CompoundFileWriter } from '../../src/formats/cfb/writer.js';
import { signMsi } from '../../src/signing/authenticode/msi-signer.js';
import { identityFromPem, type SigningIdentity } from '../../src/signing/identity.js';
import { SIGNATURE_STREAM } from '../../src/signing/authenticode/msi-digest.js';
import { decodeStreamName } from '../../src/formats/msi/stream-name.js';
import { startFakeTsa, type FakeTsa } from '../fakes/notary/fake-tsa.js';
import { makeCodeSigningPki, type CodeSigningPki } from '../fakes/authenticode/code-signing-pki.js';
import { seededRandom } from '../unit/packaging/msi/seeded-random.js';

const WINE_TIMEOUT = 240_000;

let work: string;
let pki: CodeSigningPki;
let identity: SigningIdentity;
let tsa: FakeTsa;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'msi-sign-verify-'));
  pki = makeCodeSigningPki(work);
  identity = identityFromPem(readFileSync(pki.valid.keyPath, 'utf8') + readFileSync(pki.valid.certPath, 'utf8'));
  tsa = await startFakeTsa(pki.pki.tsa);
});
afterAll(async () => {
  await tsa.close();
  rmSync(work, { recursive: true, force: true });
});

/** A fleetd msi from the real packager; signed through PackageOptions.windowsSigning when `sign`. */
async function buildOurs(name: string, sign: boolean, orbitExe?: string): Promise<{ msi: string; ctx: BuildContext }> {
  const base = fakeContext('msi', { platform: 'windows', exe: '.exe', binarySize: 300_000, extraFiles: { 'osquery.flags': '--signed\n' } });
  const windowsSigning = sign
    ? parseWindowsSigning({ windowsSignCert: pki.valid.certPath, windowsSignKey: pki.valid.keyPath, timestampUrls: [tsa.url] }, 'msi')
        .windowsSigning
    : undefined;
  const ctx: BuildContext = {
    ...base,
    options: { ...base.options, ...(windowsSigning !== undefined ? { windowsSigning } : {}) },
    orbitRoot:
      orbitExe === undefined
        ? base.orbitRoot
        : base.orbitRoot.map((e) =>
            e.path === base.targets.orbit.relPath ? { ...e, size: statSync(orbitExe).size, content: { kind: 'path', path: orbitExe } } : e,
          ),
  };
  await createMsiPackager({ random: seededRandom(name) }).build(ctx);
  const msi = join(work, `${name}.msi`);
  copyFileSync(ctx.outPath, msi);
  return { msi, ctx };
}

const verify = (msi: string, extra: string[] = []): { status: number | null; out: string } => {
  const r = run('osslsigncode', ['verify', '-CAfile', pki.caPath, '-TSA-CAfile', pki.caPath, ...extra, '-in', msi]);
  return { status: r.status, out: r.stdout + r.stderr };
};

const digestLine = (out: string, label: 'Current' | 'Calculated'): string | undefined =>
  new RegExp(`${label} DigitalSignature\\s*:\\s*([0-9A-F]+)`).exec(out)?.[1];

/** Copies `msi` with one byte of stream `name` flipped (the signature stream included, unchanged). */
async function tampered(msi: string, name: string, out: string): Promise<void> {
  const r = await CompoundFileReader.open(msi);
  const w = await CompoundFileWriter.create(out, { rootClsid: r.root.clsid });
  for (const e of r.children()) {
    const data = await r.read(e);
    if (e.name === name) {
      const i = Math.floor(data.length / 2);
      data[i] = data[i]! ^ 0x01;
    }
    w.addStream(e.name, data);
  }
  await w.close();
  await r.close();
}

describe.runIf(tools('osslsigncode', 'msiinfo', 'msiextract'))('msi Authenticode with osslsigncode', () => {
  let signed: string;
  let unsigned: string;

  beforeAll(async () => {
    signed = (await buildOurs('signed', true)).msi;
    unsigned = (await buildOurs('unsigned', false)).msi;
  });

  it('accepts our signed package: chain to the test CA and the RFC 3161 timestamp', () => {
    const v = verify(signed);
    expect(v.status, v.out).toBe(0);
    expect(v.out).toContain('Signature verification: ok');
    expect(v.out).toContain('Timestamp Server Signature verification: ok');
    expect(v.out).toContain('Text description: Fleet osquery');
    expect(digestLine(v.out, 'Current')).toBe(digestLine(v.out, 'Calculated'));
    // Without the test root the chain is untrusted.
    expect(run('osslsigncode', ['verify', '-CAfile', '/dev/null', '-in', signed]).status).not.toBe(0);
  });

  it('still reads as the same package with msitools', () => {
    expect(runOk('msiinfo', ['streams', signed])).toContain('\u0005DigitalSignature'.slice(1));
    const a = join(work, 'x-signed');
    const b = join(work, 'x-unsigned');
    mkdirSync(a);
    mkdirSync(b);
    runOk('msiextract', ['-C', a, signed]);
    runOk('msiextract', ['-C', b, unsigned]);
    const flags = (d: string): string => readFileSync(join(d, 'Orbit', 'osquery.flags'), 'utf8');
    expect(flags(a)).toBe('--signed\n');
    expect(flags(b)).toBe('--signed\n');
  });

  it('computes the same digest as osslsigncode signing the same package', async () => {
    const oss = join(work, 'oss.msi');
    runOk('osslsigncode', ['sign', '-certs', pki.valid.certPath, '-key', pki.valid.keyPath, '-h', 'sha256', '-in', unsigned, '-out', oss]);
    const ossDigest = digestLine(verify(oss).out, 'Current');
    const ours = await signMsi(unsigned, join(work, 'ours.msi'), { identity });
    expect(ours.digest.toString('hex').toUpperCase()).toBe(ossDigest);
    // And re-signing osslsigncode's output replaces its signature with a valid one of ours.
    const resigned = join(work, 'resigned.msi');
    await signMsi(oss, resigned, { identity, timestampUrls: [tsa.url] });
    const v = verify(resigned);
    expect(v.status, v.out).toBe(0);
    expect(digestLine(v.out, 'Current')).toBe(ossDigest);
  });

  it('fails verification when one byte of any stream changes', async () => {
    const r = await CompoundFileReader.open(signed);
    const names = r
      .children()
      .filter((e) => e.size > 0 && e.name !== SIGNATURE_STREAM)
      .map((e) => e.name);
    await r.close();
    expect(names.length).toBeGreaterThan(10);
    for (const [i, name] of names.entries()) {
      const out = join(work, `tampered-${i}.msi`);
      await tampered(signed, name, out);
      const v = verify(out);
      expect(v.status, `stream ${decodeStreamName(name)} changed but the signature still verifies`).not.toBe(0);
      expect(v.out).toMatch(/MISMATCH/);
    }
    // The same in place: flip a byte inside the cabinet, which our writer puts at sector 0.
    const raw = readFileSync(signed);
    raw[512 + 1000] = raw[512 + 1000]! ^ 0xff;
    const flipped = join(work, 'flipped.msi');
    writeFileSync(flipped, raw);
    expect(verify(flipped).status).not.toBe(0);
    // Control: an untouched copy through the same rewrite still verifies.
    const copy = join(work, 'rewritten.msi');
    await tampered(signed, 'no such stream', copy);
    expect(verify(copy).status).toBe(0);
  });

  it.runIf(tools('wixl'))('signs a package made by another tool (wixl) without changing its tables', async () => {
    const dir = join(work, 'wixl');
    mkdirSync(dir);
    writeFileSync(join(dir, 'hello.txt'), 'hello from wixl\n');
    writeFileSync(
      join(dir, 'hello.wxs'),
      `<?xml version="1.0"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
 <Product Id="*" Name="Hello" Language="1033" Version="1.0.0" Manufacturer="Example" UpgradeCode="B681CB20-107E-428A-9B14-2D3C1AFED244">
  <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine"/>
  <Media Id="1" Cabinet="hello.cab" EmbedCab="yes"/>
  <Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="ProgramFilesFolder"><Directory Id="D" Name="Hello">
   <Component Id="C" Guid="8B2F3E1A-1111-4C1D-9A00-0123456789AB"><File Id="F" Name="hello.txt" Source="hello.txt" KeyPath="yes"/></Component>
  </Directory></Directory></Directory>
  <Feature Id="Main" Level="1"><ComponentRef Id="C"/></Feature>
 </Product>
</Wix>
`,
    );
    runOk('wixl', ['-o', 'hello.msi', 'hello.wxs'], { cwd: dir });
    const input = join(dir, 'hello.msi');
    const before = readFileSync(input);
    const out = join(dir, 'hello-signed.msi');
    await signMsi(input, out, { identity, timestampUrls: [tsa.url] });
    expect(readFileSync(input).equals(before)).toBe(true);
    const v = verify(out);
    expect(v.status, v.out).toBe(0);
    const dump = (msi: string, d: string): string => {
      mkdirSync(d);
      runOk('msidump', ['-t', '-d', d, msi]);
      return runOk('sh', ['-c', `cd '${d}' && cat *.idt | md5sum`]);
    };
    expect(dump(out, join(dir, 'd-signed'))).toBe(dump(input, join(dir, 'd-orig')));
  });
});

function findStubService(): string | undefined {
  const r = spawnSync('sh', ['-c', 'dpkg -L libwine 2>/dev/null | grep -m1 "x86_64-windows/wuauserv.exe$"'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return p !== '' && existsSync(p) ? p : undefined;
}

describe.runIf(tools('wine', 'wineboot', 'wineserver', 'osslsigncode'))('signed msi under Wine', () => {
  const prefixDir = mkdtempSync(join(tmpdir(), 'msi-sign-wine-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WINEPREFIX: join(prefixDir, 'prefix'),
    WINEDEBUG: '-all',
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    WINEARCH: 'win64',
    DISPLAY: '',
  };
  let msi: string;

  beforeAll(async () => {
    const stub = findStubService();
    expect(stub, 'wuauserv.exe from libwine').toBeDefined();
    msi = (await buildOurs('wine-signed', true, stub)).msi;
    expect(verify(msi).status).toBe(0);
    // A fresh prefix; waiting for wineserver avoids racing the prefix's own startup.
    runOk('wineboot', ['--init'], { env });
    runOk('wineserver', ['-w'], { env });
  }, WINE_TIMEOUT);

  afterAll(() => {
    run('wineserver', ['-k'], { env });
    rmSync(prefixDir, { recursive: true, force: true });
  });

  it(
    'installs, starts the service and uninstalls',
    () => {
      const log = join(prefixDir, 'install.log');
      const r = run('wine', ['msiexec', '/i', `Z:${msi.replaceAll('/', '\\')}`, '/qn', '/l*v', `Z:${log.replaceAll('/', '\\')}`], { env });
      run('wineserver', ['-w'], { env });
      expect(r.status, existsSync(log) ? readFileSync(log, 'latin1').slice(-3000) : r.stderr).toBe(0);
      const orbitDir = join(env['WINEPREFIX']!, 'drive_c', 'Program Files', 'Orbit');
      expect(readFileSync(join(orbitDir, 'osquery.flags'), 'utf8')).toBe('--signed\n');
      expect(run('wine', ['sc', 'query', 'Fleet osquery'], { env }).stdout).toMatch(/STATE\s+:\s+4\s+RUNNING/);
      const productCode = /^ProductCode\t(\{[0-9A-F-]+\})/m.exec(runOk('msiinfo', ['export', msi, 'Property']))![1]!;
      const x = run('wine', ['msiexec', '/x', productCode, '/qn'], { env });
      run('wineserver', ['-w'], { env });
      expect(x.status).toBe(0);
      expect(existsSync(orbitDir)).toBe(false);
    },
    WINE_TIMEOUT,
  );
});
