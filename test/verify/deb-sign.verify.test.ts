/**
 * OpenPGP-signed .deb packages built through the CLI (`--gpg-key FILE` or FLEETCTL_GPG_KEY, passphrase
 * in FLEETCTL_GPG_PASSPHRASE) and checked with debsig-verify against a policy and keyring for the
 * throw-away test key (in temp dirs, with a temp GNUPGHOME/HOME), rejected after tampering, still
 * clean for dpkg-deb and lintian, reproducible at a fixed SOURCE_DATE_EPOCH; and the key errors
 * (wrong passphrase, expired, cannot sign, unreadable file) as one line each with no installer left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestRepo, type TestRepo } from '../helpers/tuf-fixture.js';
import { errorLines, hasStackTrace, runCli, type CliResult } from '../helpers/cli.js';
import { run, runOk, tools } from '../helpers/tools.js';
import { lintian, scratchDpkg } from '../helpers/deb-checks.js';
import { makeTestKey, type TestKey } from '../unit/signing/openpgp-keys.js';

const EPOCH = 1_700_000_000;
const PASSPHRASE = 'deb signing test passphrase';
const DEB = 'fleet-osquery_1.38.0_amd64.deb';
let base: string;
let repo: TestRepo;
let key: TestKey;
let keyFile: string;

function cli(outDir: string, extra: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  mkdirSync(outDir, { recursive: true });
  return runCli(
    ['package', '--type=deb', '--fleet-url=https://fleet.example.com', '--enroll-secret=deb-sign-secret-0123456789', `--update-url=${repo.repository}`, `--update-roots=${repo.rootJson}`, ...extra],
    { cwd: outDir, env: { XDG_CACHE_HOME: join(base, 'cache'), SOURCE_DATE_EPOCH: String(EPOCH), FLEETCTL_GPG_KEY: '', FLEETCTL_GPG_PASSPHRASE: '', ...env } },
  );
}

function buildSigned(outDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): string {
  const r = cli(outDir, [`--gpg-key=${keyFile}`, ...extra], { FLEETCTL_GPG_PASSPHRASE: PASSPHRASE, ...env });
  if (r.status !== 0) {
    throw new Error(`package failed: ${r.stderr}`);
  }
  return join(outDir, DEB);
}

/** A GNUPGHOME (and HOME) of its own: debsig-verify runs gpg, which needs an existing ~/.gnupg. */
function gnupgEnv(): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(base, 'home-'));
  mkdirSync(join(home, '.gnupg'), { mode: 0o700 });
  return { ...process.env, HOME: home, GNUPGHOME: join(home, '.gnupg') };
}

/** debsig-verify with a policy that requires an origin signature by `k`, keyring and policy in temp dirs. */
function debsigVerify(deb: string, k: TestKey = key): ReturnType<typeof run> {
  const root = mkdtempSync(join(base, 'debsig-'));
  const env = gnupgEnv();
  const keyringDir = join(root, 'keyrings', k.fingerprint);
  const policyDir = join(root, 'policies', k.fingerprint);
  mkdirSync(keyringDir, { recursive: true });
  mkdirSync(policyDir, { recursive: true });
  writeFileSync(join(root, 'pub.asc'), k.publicArmored);
  runOk('gpg', ['--batch', '--yes', '--output', join(keyringDir, 'debsig.gpg'), '--dearmor', join(root, 'pub.asc')], { env });
  writeFileSync(
    join(policyDir, 'fleet.pol'),
    `<?xml version="1.0"?>
<!DOCTYPE Policy SYSTEM "https://www.debian.org/debsig/1.0/policy.dtd">
<Policy xmlns="https://www.debian.org/debsig/1.0/">
  <Origin Name="fleet-test" id="${k.fingerprint}" Description="fleetctl test signing key"/>
  <Selection>
    <Required Type="origin" File="debsig.gpg" id="${k.fingerprint}"/>
  </Selection>
  <Verification MinOptional="0">
    <Required Type="origin" File="debsig.gpg" id="${k.fingerprint}"/>
  </Verification>
</Policy>
`,
  );
  return run('debsig-verify', ['--policies-dir', join(root, 'policies'), '--keyrings-dir', join(root, 'keyrings'), deb], { env });
}

/** `ar t` member names. */
function members(deb: string): string[] {
  return runOk('ar', ['t', deb]).trim().split('\n');
}

describe.runIf(tools('dpkg-deb', 'dpkg', 'lintian', 'ar', 'debsig-verify', 'gpg'))('OpenPGP-signed deb, verified by debsig-verify', () => {
  let deb: string;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'deb-sign-verify-'));
    repo = await makeTestRepo(join(base, 'repo'), { platforms: ['linux'] });
    // Created a day before the build time, so SOURCE_DATE_EPOCH itself dates the signature.
    key = await makeTestKey({ type: 'ed25519', passphrase: PASSPHRASE, created: new Date((EPOCH - 86_400) * 1000) });
    keyFile = join(base, 'signing-key.asc');
    writeFileSync(keyFile, key.privateArmored, { mode: 0o600 });
    deb = buildSigned(join(base, 'out'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('adds _gpgorigin after data.tar.gz, an armored signature dated at SOURCE_DATE_EPOCH', () => {
    expect(members(deb)).toEqual(['debian-binary', 'control.tar.gz', 'data.tar.gz', '_gpgorigin']);
    const sig = join(base, '_gpgorigin');
    writeFileSync(sig, runOk('ar', ['p', deb, '_gpgorigin']));
    expect(readFileSync(sig, 'utf8')).toMatch(/^-----BEGIN PGP SIGNATURE-----\n/);
    const packets = runOk('gpg', ['--list-packets', sig], { env: gnupgEnv() });
    expect(packets).toContain(`created ${EPOCH}`);
    expect(packets).toMatch(/digest algo (8|9|10),/); // SHA-256/384/512
    expect(packets).toContain(`keyid ${key.keyId}`);
  });

  it('debsig-verify accepts it with a policy for the key', () => {
    const r = debsigVerify(deb);
    expect(r.stdout).toBe("debsig: Verified package from 'fleetctl test signing key' (fleet-test)\n");
    expect(r.status).toBe(0);
  });

  it('debsig-verify rejects it for another key, and rejects a tampered copy', async () => {
    const other = await makeTestKey({ created: new Date((EPOCH - 86_400) * 1000) });
    expect(debsigVerify(deb, other).status).not.toBe(0);
    const buf = readFileSync(deb);
    // A byte inside data.tar.gz (the last third of the archive is compressed payload).
    const at = Math.floor(buf.length * 0.6);
    buf[at] = (buf[at] ?? 0) ^ 0x01;
    const bad = join(base, 'tampered.deb');
    writeFileSync(bad, buf);
    const r = debsigVerify(bad);
    expect(r.status).toBe(13);
  });

  it('dpkg-deb and lintian still accept the signed package', () => {
    expect(runOk('dpkg-deb', ['--field', deb, 'Package'])).toBe('fleet-osquery\n');
    // The Fleet layout suppressions (test/helpers/deb-checks.ts), plus
    // misplaced-extra-member-in-deb: lintian flags every `_` member because Debian's archive software
    // (dak) cannot take them, while debsigs/debsig-verify put and read `_gpgorigin` exactly there, after
    // data.tar. These installers go to hosts (and debsig policies), never into the Debian archive.
    const r = lintian(deb, ['misplaced-extra-member-in-deb']);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('E:'))).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('dpkg installs the signed package into a scratch root (it ignores _gpgorigin)', () => {
    const root = join(base, 'root');
    const dpkg = scratchDpkg(root);
    dpkg('-i', deb);
    dpkg('--verify', 'fleet-osquery');
    dpkg('-P', 'fleet-osquery');
  });

  it('two signed builds with the same SOURCE_DATE_EPOCH are byte-identical', () => {
    const again = buildSigned(join(base, 'again'));
    expect(readFileSync(again).equals(readFileSync(deb))).toBe(true);
  });

  it('takes the key text from FLEETCTL_GPG_KEY when no file is given', () => {
    const r = cli(join(base, 'env'), [], { FLEETCTL_GPG_KEY: key.privateArmored, FLEETCTL_GPG_PASSPHRASE: PASSPHRASE });
    expect(r.status, r.stderr).toBe(0);
    const fromEnv = join(base, 'env', DEB);
    expect(readFileSync(fromEnv).equals(readFileSync(deb))).toBe(true);
  });

  describe('key errors: one line, exit 1, no installer', () => {
    function expectFailure(dir: string, r: CliResult, message: RegExp): void {
      expect(r.status).toBe(1);
      const lines = errorLines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(hasStackTrace(r.stderr)).toBe(false);
      expect(r.stderr).not.toContain(PASSPHRASE);
      expect(r.stderr).not.toContain('PRIVATE KEY BLOCK-----\n');
      expect(readdirSync(dir)).toEqual([]);
    }

    it('wrong passphrase', () => {
      const dir = join(base, 'e-pass');
      expectFailure(dir, cli(dir, [`--gpg-key=${keyFile}`], { FLEETCTL_GPG_PASSPHRASE: 'not it' }), /wrong passphrase for the OpenPGP key [0-9A-F]{40} from --gpg-key ".*" \(FLEETCTL_GPG_PASSPHRASE\)$/);
    });

    it('unreadable key file', () => {
      const dir = join(base, 'e-read');
      expectFailure(dir, cli(dir, [`--gpg-key=${join(base, 'nope.asc')}`]), /--gpg-key ".*nope\.asc" cannot be read: no such file$/);
    });

    it('expired key', async () => {
      const expired = await makeTestKey({ created: new Date(Date.now() - 3 * 86_400_000), expiresIn: 86_400 });
      const file = join(base, 'expired.asc');
      writeFileSync(file, expired.privateArmored);
      const dir = join(base, 'e-expired');
      expectFailure(dir, cli(dir, [`--gpg-key=${file}`]), new RegExp(`the OpenPGP key ${expired.fingerprint} from --gpg-key ".*" expired on \\d{4}-\\d\\d-\\d\\dT`));
    });

    it('key that cannot sign (certify-only primary, encryption subkey; made by gpg)', () => {
      const env = gnupgEnv();
      const gpg = (...args: string[]): string => runOk('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { env });
      gpg('--quick-generate-key', 'No Signing <nosign@example.com>', 'ed25519', 'cert', 'never');
      const fpr = /fpr:+([0-9A-F]{40}):/.exec(gpg('--with-colons', '--list-keys', 'nosign@example.com'))?.[1] ?? '';
      gpg('--quick-add-key', fpr, 'cv25519', 'encr', 'never');
      const file = join(base, 'nosign.asc');
      writeFileSync(file, gpg('--armor', '--export-secret-keys', fpr));
      const dir = join(base, 'e-nosign');
      expectFailure(dir, cli(dir, [`--gpg-key=${file}`]), new RegExp(`the OpenPGP key ${fpr} from --gpg-key ".*" cannot sign \\(no valid primary key or subkey with the sign capability\\)`));
    });
  });
});
