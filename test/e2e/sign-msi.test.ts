/**
 * Authenticode from the command line, as an operator runs it: `fleetctl sign msi` on an existing
 * package (PEM and PKCS#12 identities, timestamp fallback), `fleetctl package --type=msi` with the
 * signing flags, and every identity or timestamp problem as one clear line with no output file.
 * The test hosts the timestamp authority, so the CLI runs through runCliAsync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorLines, hasStackTrace, runCliAsync, type CliResult } from '../helpers/cli.js';
import { hasTool, run } from '../helpers/tools.js';
import { makeTestRepo, type TestRepo } from '../helpers/tuf-fixture.js';
import { fakeContext } from '../helpers/fake-context.js';
import { createMsiPackager } from '../../src/packaging/msi/index.js';
import { CompoundFileReader } from '../../src/formats/cfb/reader.js';
import { SIGNATURE_STREAM } from '../../src/signing/authenticode/msi-digest.js';
import { parseSignedData, checkSignedData } from '../../src/signing/cms-verify.js';
import { startFakeTsa, type FakeTsa } from '../fakes/notary/fake-tsa.js';
import { makeCodeSigningPki, type CodeSigningPki } from '../fakes/authenticode/code-signing-pki.js';
import { closedPortUrl } from '../fakes/authenticode/closed-port.js';
import { seededRandom } from '../unit/packaging/msi/seeded-random.js';
import { X509Certificate } from 'node:crypto';

let base: string;
let pki: CodeSigningPki;
let tsa: FakeTsa;
let unsigned: string;
let unsignedHash: string;
/** A timestamp server that is down (connection refused). */
let down: string;

const sha256 = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'sign-msi-e2e-'));
  pki = makeCodeSigningPki(base);
  tsa = await startFakeTsa(pki.pki.tsa);
  down = await closedPortUrl();
  const ctx = fakeContext('msi', { platform: 'windows', exe: '.exe', binarySize: 50_000 });
  await createMsiPackager({ random: seededRandom('e2e') }).build(ctx);
  unsigned = ctx.outPath;
  unsignedHash = sha256(unsigned);
});
afterAll(async () => {
  await tsa.close();
  rmSync(base, { recursive: true, force: true });
});

const pemFlags = (): string[] => [`--windows-sign-cert=${pki.valid.certPath}`, `--windows-sign-key=${pki.valid.keyPath}`];

function sign(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult & { out: string }> {
  const out = join(mkdtempSync(join(base, 'out-')), 'signed.msi');
  return runCliAsync(['sign', 'msi', `--in=${unsigned}`, `--out=${out}`, ...args], { env }).then((r) => ({ ...r, out }));
}

/** Checks the signature stream with our CMS verifier, and with osslsigncode when installed. */
async function expectValid(msi: string, timestamped: boolean): Promise<void> {
  const r = await CompoundFileReader.open(msi);
  const sig = await r.read(r.children().find((e) => e.name === SIGNATURE_STREAM)!);
  await r.close();
  expect(checkSignedData(parseSignedData(sig), undefined, [new X509Certificate(pki.pki.root.der)])).toMatchObject({ ok: true });
  if (hasTool('osslsigncode')) {
    const v = run('osslsigncode', ['verify', '-CAfile', pki.caPath, '-TSA-CAfile', pki.caPath, '-in', msi]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout.includes('Timestamp Server Signature verification: ok')).toBe(timestamped);
  }
}

function expectOneLineError(r: CliResult, re: RegExp): void {
  expect(r.status).not.toBe(0);
  expect(errorLines(r.stderr), r.stderr).toHaveLength(1);
  expect(errorLines(r.stderr)[0]).toMatch(re);
  expect(hasStackTrace(r.stderr)).toBe(false);
}

function expectNoOutput(out: string): void {
  const dir = join(out, '..');
  expect(readdirSync(dir)).toEqual([]);
}

describe('fleetctl sign msi', () => {
  it('signs an existing package with PEM files, falling back to the second timestamp server', async () => {
    const r = await sign([...pemFlags(), `--timestamp-url=${down}`, `--timestamp-url=${tsa.url}`, '--description=Example App', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(r.out, '..'))).toEqual(['signed.msi']);
    expect(sha256(unsigned)).toBe(unsignedHash);
    const json = JSON.parse(r.stdout) as { path: string; digest: string; timestamp?: { url: string } };
    expect(json.path).toBe(r.out);
    expect(json.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(json.timestamp?.url).toBe(tsa.url);
    await expectValid(r.out, true);
  }, 60_000);

  it('signs with a PKCS#12 file whose passphrase comes from the environment', async () => {
    const r = await sign([`--windows-sign-p12=${pki.valid.p12Path}`], { FLEETCTL_WINDOWS_SIGN_PASSPHRASE: pki.valid.passphrase });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('(no timestamp)');
    await expectValid(r.out, false);
  });

  it('wrong passphrase: one line, no output, the passphrase never printed', async () => {
    const bad = 'Wr0ng-passphrase-xyz';
    const r = await sign([`--windows-sign-p12=${pki.valid.p12Path}`], { FLEETCTL_WINDOWS_SIGN_PASSPHRASE: bad });
    expectOneLineError(r, /--windows-sign-p12 ".*" cannot be opened: wrong passphrase/);
    expect(r.stderr + r.stdout).not.toContain(bad);
    expectNoOutput(r.out);
  });

  it('expired certificate: one line, no output', async () => {
    const r = await sign([`--windows-sign-cert=${pki.expired.certPath}`, `--windows-sign-key=${pki.expired.keyPath}`]);
    expectOneLineError(r, /the certificate expired on \d{4}-\d\d-\d\d/);
    expectNoOutput(r.out);
  });

  it('key that does not match the certificate: one line, no output', async () => {
    const r = await sign([`--windows-sign-cert=${pki.valid.certPath}`, `--windows-sign-key=${pki.expired.keyPath}`]);
    expectOneLineError(r, /no certificate matches the private key/);
    expect(r.stderr).not.toContain('PRIVATE KEY');
    expectNoOutput(r.out);
  });

  it('unreachable timestamp server: one line, no output', async () => {
    const r = await sign([...pemFlags(), `--timestamp-url=${down}`]);
    expectOneLineError(r, /no timestamp server answered: http:\/\/127\.0\.0\.1:\d+\/ts: no valid answer after 4 attempts: fetch failed/);
    expectNoOutput(r.out);
    expect(sha256(unsigned)).toBe(unsignedHash);
  }, 60_000);

  it('usage errors: no identity, --out equal to --in, not an msi', async () => {
    expectOneLineError(await sign([]), /sign msi needs a signing identity/);
    const same = await runCliAsync(['sign', 'msi', `--in=${unsigned}`, `--out=${unsigned}`, ...pemFlags()]);
    expectOneLineError(same, /--out must differ from --in/);
    expect(same.status).toBe(2);
    const notMsi = await runCliAsync(['sign', 'msi', `--in=${pki.caPath}`, `--out=${join(base, 'x.msi')}`, ...pemFlags()]);
    expectOneLineError(notMsi, /is not a Windows Installer package/);
    expect(existsSync(join(base, 'x.msi'))).toBe(false);
  });
});

describe('fleetctl package --type=msi with Authenticode', () => {
  let repo: TestRepo;
  beforeAll(async () => {
    repo = await makeTestRepo(join(base, 'repo'), { platforms: ['windows'] });
  });

  const pkg = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult & { cwd: string }> => {
    const cwd = mkdtempSync(join(base, 'pkg-'));
    return runCliAsync(['package', '--type=msi', `--update-url=${repo.repository}`, `--update-roots=${repo.rootJson}`, ...args], {
      cwd,
      env: { XDG_CACHE_HOME: join(base, 'cache'), ...env },
    }).then((r) => ({ ...r, cwd }));
  };

  it('builds a signed, timestamped fleetd msi', async () => {
    const r = await pkg([...pemFlags(), `--timestamp-url=${tsa.url}`, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: 'msi', signed: true });
    expect(readdirSync(r.cwd)).toEqual(['fleet-osquery.msi']);
    await expectValid(join(r.cwd, 'fleet-osquery.msi'), true);
  }, 120_000);

  it('fails before building on a wrong passphrase, leaving nothing behind', async () => {
    const r = await pkg([`--windows-sign-p12=${pki.valid.p12Path}`], { FLEETCTL_WINDOWS_SIGN_PASSPHRASE: 'nope-nope' });
    expectOneLineError(r, /cannot be opened: wrong passphrase/);
    expect(readdirSync(r.cwd)).toEqual([]);
  });

  it('fails on an unreachable timestamp server, leaving nothing behind', async () => {
    const r = await pkg([...pemFlags(), `--timestamp-url=${down}`]);
    expectOneLineError(r, /no timestamp server answered/);
    expect(readdirSync(r.cwd)).toEqual([]);
  }, 120_000);
});
