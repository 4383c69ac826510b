/**
 * OpenPGP-signed rpm packages checked with rpm's own verifier: `rpmkeys -Kv` against a private rpm
 * database holding only the throw-away test key (RSA and legacy EdDSA, the two families rpm 4.18's
 * parser reads), NOKEY without it, BAD after tampering, rpmlint and a trial install still clean,
 * the package size unchanged by signing (RESERVEDSPACE shrinks as with rpmsign), and signed builds
 * reproducible at a fixed build time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, runOk, tools } from '../helpers/tools.js';
import { runCli } from '../helpers/cli.js';
import { makeTestRepo } from '../helpers/tuf-fixture.js';
import { FAKE_MTIME, fakeContext } from '../helpers/fake-context.js';
import type { BuildContext } from '../../src/packaging/types.js';
import { rpmPackager } from '../../src/packaging/rpm/packager.js';
import { parseRpm } from '../unit/formats/rpm/rpm-reader.js';
import { makeTestKey, signingOptions, type TestKey, type TestKeyType } from '../unit/signing/openpgp-keys.js';

const RPMLINTRC = fileURLToPath(new URL('../rpmlintrc', import.meta.url));
const ENV = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) {
    rmSync(d, { recursive: true, force: true });
  }
});
function scratchDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(d);
  return d;
}

/** A signed package built by the real packager from fake agent binaries. */
async function buildSigned(key: TestKey | undefined, name: string, ctxIn?: BuildContext): Promise<{ ctx: BuildContext; pkg: string }> {
  const ctx = ctxIn ?? fakeContext('rpm', { platform: 'linux', options: key === undefined ? {} : { gpgSigning: signingOptions(key) } });
  scratch.push(ctx.tmpDir);
  const pkg = join(ctx.tmpDir, name);
  await rpmPackager.build({ ...ctx, outPath: pkg });
  return { ctx, pkg };
}

/** A private rpm database that trusts exactly `key`. */
function rpmDbWith(key: TestKey): string {
  const db = scratchDir('rpm-sign-db-');
  const pub = join(db, 'key.asc');
  writeFileSync(pub, key.publicArmored);
  runOk('rpmkeys', ['--dbpath', db, '--import', pub], { env: ENV });
  return db;
}

/**
 * test/rpmlintrc without its `no-signature` filter: a signed package raises no such finding, and
 * rpmlint reports a filter that matches nothing as an error.
 */
function signedRpmlintrc(): string {
  const path = join(scratchDir('rpm-sign-lint-'), 'rpmlintrc');
  writeFileSync(path, readFileSync(RPMLINTRC, 'utf8').replace(/^addFilter\("no-signature"\)$/m, ''));
  return path;
}

/**
 * A HOME whose ~/.rpmmacros points rpm at `db`: rpmlint checks signatures with the default rpm
 * database and reports `unknown-key` for a key it does not hold.
 */
function homeWithRpmDb(db: string): string {
  const home = scratchDir('rpm-sign-home-');
  writeFileSync(join(home, '.rpmmacros'), `%_dbpath ${db}\n`);
  return home;
}

describe.runIf(tools('rpm', 'rpmkeys', 'rpmlint', 'gpg'))('OpenPGP-signed rpm, verified by rpmkeys', () => {
  // Key creation a day before the fixed build time, so the build time itself dates the signature.
  const created = new Date((FAKE_MTIME - 86_400) * 1000);
  const cases: ReadonlyArray<{ type: TestKeyType; tag: string; label: RegExp }> = [
    { type: 'rsa', tag: 'RSA', label: /Header V4 RSA\/SHA\d+ Signature, key ID [0-9a-f]{8}: OK/ },
    { type: 'ed25519', tag: 'DSA', label: /Header V4 EdDSA\/SHA\d+ Signature, key ID [0-9a-f]{8}: OK/ },
  ];
  for (const c of cases) {
    describe(c.type, () => {
      let key: TestKey;
      let pkg: string;
      let ctx: BuildContext;
      let db: string;
      beforeAll(async () => {
        key = await makeTestKey({ type: c.type, passphrase: 'correct horse battery', created });
        ({ ctx, pkg } = await buildSigned(key, `signed-${c.type}.rpm`));
        db = rpmDbWith(key);
      });

      it('rpmkeys -Kv reports the header signature and every digest OK', () => {
        const r = run('rpmkeys', ['--dbpath', db, '-Kv', pkg], { env: ENV });
        expect(r.stdout).toMatch(c.label);
        expect(r.stdout).toContain(`key ID ${key.keyId.slice(-8).toLowerCase()}`);
        for (const line of ['Header SHA256 digest: OK', 'Header SHA1 digest: OK', 'Payload SHA256 digest: OK', 'MD5 digest: OK']) {
          expect(r.stdout).toContain(line);
        }
        expect(r.stdout).not.toMatch(/BAD|NOKEY|NOTFOUND/);
        expect(r.status).toBe(0);
      });

      it(`files the signature under the ${c.tag} tag, dated at the build time`, () => {
        const qf = run('rpm', ['-qp', '--qf', '%{RSAHEADER:pgpsig}|%{DSAHEADER:pgpsig}', pkg], { env: ENV }).stdout;
        const [rsa, dsa] = qf.split('|');
        // FAKE_MTIME is 2023-11-14T22:13:20Z.
        expect(c.tag === 'RSA' ? rsa : dsa).toMatch(new RegExp(`^${c.type === 'rsa' ? 'RSA' : 'EdDSA'}/SHA\\d+, Tue Nov 14 22:13:20 2023, Key ID ${key.keyId.toLowerCase()}$`));
        expect(c.tag === 'RSA' ? dsa : rsa).toBe('(none)');
      });

      it('rpm reports NOKEY without the key', () => {
        const r = run('rpmkeys', ['--dbpath', scratchDir('rpm-sign-empty-'), '-Kv', pkg], { env: ENV });
        expect(r.stdout).toMatch(/NOKEY/);
        expect(r.status).not.toBe(0);
      });

      it('a flipped byte in the main header makes the signature BAD', () => {
        const parsed = parseRpm(readFileSync(pkg));
        const buf = readFileSync(pkg);
        // A byte inside the header data (the summary text), so the header still parses.
        const at = parsed.header.start + Math.floor(parsed.header.length / 2);
        buf[at] = (buf[at] ?? 0) ^ 0x01;
        const bad = join(ctx.tmpDir, 'tampered.rpm');
        writeFileSync(bad, buf);
        const r = run('rpmkeys', ['--dbpath', db, '-Kv', bad], { env: ENV });
        expect(`${r.stdout}${r.stderr}`).toMatch(/BAD/);
        expect(r.status).not.toBe(0);
      });

      it('rpmlint finds no errors and knows the key (through the private rpm database)', () => {
        const r = run('rpmlint', ['-r', signedRpmlintrc(), pkg], { env: { ...ENV, HOME: homeWithRpmDb(db) } });
        expect(r.stdout).not.toMatch(/ E: /);
        expect(r.stdout).toMatch(/0 errors/);
        expect(r.status).toBe(0);
      });

      it('installs with signature checking into a root that trusts the key', () => {
        const root = scratchDir('rpm-sign-root-');
        runOk('rpmkeys', ['--root', root, '--import', join(db, 'key.asc')], { env: ENV });
        runOk('rpm', ['-i', '--root', root, '--nodeps', '--noscripts', '--define', '%_pkgverify_level signature', pkg], { env: ENV });
        expect(runOk('rpm', ['--root', root, '-qa'], { env: ENV })).toContain('fleet-osquery-1.38.0-1.x86_64');
      });

      it('two signed builds at the same build time are byte-identical', async () => {
        const again = await buildSigned(key, 'again.rpm', ctx);
        expect(readFileSync(again.pkg).equals(readFileSync(pkg))).toBe(true);
      });

      it('signing keeps the unsigned size (RESERVEDSPACE gives up the room)', async () => {
        const plain = await buildSigned(undefined, 'unsigned.rpm', { ...ctx, options: { ...ctx.options, gpgSigning: undefined } });
        expect(statSync(plain.pkg).size).toBe(statSync(pkg).size);
      });
    });
  }
});

describe.runIf(tools('rpm', 'rpmkeys'))('fleetctl package --type=rpm --gpg-key', () => {
  it('signs through the CLI (key file, passphrase from FLEETCTL_GPG_PASSPHRASE) and rpmkeys -Kv says OK', async () => {
    const base = scratchDir('rpm-sign-cli-');
    const repo = await makeTestRepo(join(base, 'repo'), { platforms: ['linux'] });
    const key = await makeTestKey({ type: 'rsa', passphrase: 'rpm cli passphrase', created: new Date((FAKE_MTIME - 86_400) * 1000) });
    const keyFile = join(base, 'key.asc');
    writeFileSync(keyFile, key.privateArmored, { mode: 0o600 });
    const out = join(base, 'out');
    mkdirSync(out);
    const r = runCli(
      ['package', '--type=rpm', '--fleet-url=https://fleet.example.com', '--enroll-secret=rpm-sign-secret-0123456789', `--update-url=${repo.repository}`, `--update-roots=${repo.rootJson}`, `--gpg-key=${keyFile}`, '--json'],
      { cwd: out, env: { XDG_CACHE_HOME: join(base, 'cache'), SOURCE_DATE_EPOCH: String(FAKE_MTIME), FLEETCTL_GPG_PASSPHRASE: 'rpm cli passphrase', FLEETCTL_GPG_KEY: '' } },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: 'rpm', signed: true });
    const v = run('rpmkeys', ['--dbpath', rpmDbWith(key), '-Kv', (JSON.parse(r.stdout) as { path: string }).path], { env: ENV });
    expect(v.stdout).toMatch(/Header V4 RSA\/SHA\d+ Signature, key ID [0-9a-f]{8}: OK/);
    expect(v.status).toBe(0);
  });
});
