/**
 * `fleetctl package --type=pkg` signed, notarized and stapled end to end, against loopback doubles
 * of Apple's services started here: the Notary API and ticket service (test/fakes/notary), an S3
 * server (s3rver) receiving the upload, and an RFC 3161 timestamp authority. The CLI runs as a child
 * process (asynchronously, so the in-process servers keep answering).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, errorLines, hasStackTrace } from '../helpers/cli.js';
import { makeTestRepo, type TestRepo } from '../helpers/tuf-fixture.js';
import { readStapledTicket } from '../../src/signing/stapler.js';
import { verifyXarSignatures } from '../../src/signing/xar-verify.js';
import { makeTestPki, type TestPki } from '../fakes/notary/pki.js';
import { startFakeNotary, type FakeNotary } from '../fakes/notary/fake-notary.js';
import { startFakeTsa, type FakeTsa } from '../fakes/notary/fake-tsa.js';

const apiKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const P8 = apiKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const KEY_ID = 'FAKEKEY123';
const ISSUER = '69a6de70-0000-47e3-e053-5b8c7c11a4d1';

let base: string;
let repo: TestRepo;
let pki: TestPki;
let tsa: FakeTsa;
let notary: FakeNotary;

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
  cwd: string;
}

function fleetctl(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const cwd = mkdtempSync(join(base, 'cwd-'));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, 'package', '--type=pkg', `--update-url=${repo.repository}`, `--update-roots=${repo.rootJson}`, ...args],
      {
        cwd,
        env: { ...process.env, NO_COLOR: '1', CI: 'true', XDG_CACHE_HOME: join(base, 'cache'), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, cwd }));
  });
}

/** Everything needed to sign and notarize against the doubles; secrets through the environment. */
const notarizeEnv = (): NodeJS.ProcessEnv => ({
  FLEETCTL_MACOS_DEVID_PEM_CONTENT: pki.identityPem,
  FLEETCTL_APP_STORE_CONNECT_API_KEY_ID: KEY_ID,
  FLEETCTL_APP_STORE_CONNECT_API_KEY_ISSUER: ISSUER,
  FLEETCTL_APP_STORE_CONNECT_API_KEY_CONTENT: P8,
  FLEETCTL_NOTARY_API_URL: notary.apiUrl,
  FLEETCTL_NOTARY_TICKET_URL: notary.ticketUrl,
  FLEETCTL_NOTARY_POLL_INTERVAL: '50ms',
});

function expectNoSecrets(r: Result): void {
  const out = r.stdout + r.stderr;
  for (const secret of [pki.leaf.keyPem.split('\n')[1], P8.split('\n')[1]]) {
    expect(out).not.toContain(secret);
  }
  expect(out).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/); // no JWT
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'notarize-e2e-'));
  repo = await makeTestRepo(join(base, 'repo'), { platforms: ['macos'] });
  pki = makeTestPki();
  tsa = await startFakeTsa(pki.tsa);
  notary = await startFakeNotary({ keyId: KEY_ID, issuerId: ISSUER, publicKey: apiKey.publicKey, scenario: 'accepted' });
});
afterAll(async () => {
  await notary.close();
  await tsa.close();
  rmSync(base, { recursive: true, force: true });
});
beforeEach(() => {
  Object.assign(notary.options, { scenario: 'accepted', pollsBeforeDone: 1, failFirst: 0, ticketLag: 0 });
});

describe('package --type=pkg --notarize', () => {
  it('Accepted: signed, timestamped, notarized and stapled; --json reports the submission', async () => {
    const r = await fleetctl(['--notarize', `--timestamp-url=${tsa.url}`, '--json'], notarizeEnv());
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      path: string;
      signed: boolean;
      notarization: { submissionId: string; status: string; stapled: boolean; ticketRecord: string };
    };
    expect(out.signed).toBe(true);
    expect(out.notarization.status).toBe('Accepted');
    expect(out.notarization.stapled).toBe(true);
    expect(notary.submissions.get(out.notarization.submissionId)?.name).toBe('fleet-osquery.pkg');
    const pkg = readFileSync(out.path);
    expect(readStapledTicket(pkg)?.toString()).toContain(out.notarization.ticketRecord);
    const v = verifyXarSignatures(pkg, { trustedRoots: [new X509Certificate(pki.root.certPem)] });
    expect(v.valid).toBe(true);
    expect(v.cms?.timestamp?.ok).toBe(true);
    expect(r.stderr).toMatch(/signing with Developer ID Installer/);
    expect(r.stderr).toMatch(/notarized and stapled \(submission /);
    expect(readdirSync(r.cwd)).toEqual(['fleet-osquery.pkg']);
    expectNoSecrets(r);
  });

  it('Invalid: shows the log, exits non-zero, leaves no package', async () => {
    notary.options.scenario = 'invalid';
    const r = await fleetctl(['--notarize', `--timestamp-url=${tsa.url}`], notarizeEnv());
    expect(r.status).toBe(1);
    expect(errorLines(r.stderr)[0]).toMatch(/^Error: Apple notarization returned Invalid for submission [0-9a-f-]+:$/);
    expect(r.stderr).toContain('The signature of the binary is invalid.');
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(readdirSync(r.cwd)).toEqual([]);
    expectNoSecrets(r);
  });

  it('transient 5xx from the Notary API are retried', async () => {
    notary.options.failFirst = 2;
    const r = await fleetctl(['--notarize', `--timestamp-url=${tsa.url}`, '--json'], notarizeEnv());
    expect(r.status, r.stderr).toBe(0);
    expect(notary.options.failFirst).toBe(0);
    expect((JSON.parse(r.stdout) as { notarization: { stapled: boolean } }).notarization.stapled).toBe(true);
  });

  it('a timeout is a clear error, not an unstapled success', async () => {
    notary.options.scenario = 'in-progress';
    const r = await fleetctl(['--notarize', `--timestamp-url=${tsa.url}`, '--notarize-timeout=1s'], notarizeEnv());
    expect(r.status).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      expect.stringMatching(
        /^Error: notarization did not finish within 1s \(submission [0-9a-f-]+, status In Progress\); the package was not stapled$/,
      ),
    ]);
    expect(readdirSync(r.cwd)).toEqual([]);
  });

  it('a failing timestamp server is a clear error', async () => {
    tsa.faults.reject = true;
    try {
      const r = await fleetctl([`--timestamp-url=${tsa.url}`], { FLEETCTL_MACOS_DEVID_PEM_CONTENT: pki.identityPem });
      expect(r.status).toBe(1);
      expect(errorLines(r.stderr)).toEqual([`Error: timestamp server ${tsa.url}: request rejection: policy not accepted`]);
      expect(readdirSync(r.cwd)).toEqual([]);
    } finally {
      tsa.faults.reject = false;
    }
  });

  it('notarization requires signing; API key id and issuer are required', async () => {
    const unsigned = await fleetctl(['--notarize']);
    expect(unsigned.status).toBe(1);
    expect(errorLines(unsigned.stderr)).toEqual(['Error: --notarize requires a signed package: provide a Developer ID Installer identity']);
    const noKey = await fleetctl(['--notarize'], { FLEETCTL_MACOS_DEVID_PEM_CONTENT: pki.identityPem });
    expect(errorLines(noKey.stderr)).toEqual(['Error: both an App Store Connect API key and issuer must be set for native notarization']);
    expect(readdirSync(noKey.cwd)).toEqual([]);
  });

  it('signs without notarizing (no timestamp unless asked)', async () => {
    const r = await fleetctl(['--json'], { FLEETCTL_MACOS_DEVID_PEM_CONTENT: pki.identityPem });
    expect(r.status, r.stderr).toBe(0);
    const v = verifyXarSignatures(readFileSync((JSON.parse(r.stdout) as { path: string }).path));
    expect(v.valid).toBe(true);
    expect(v.cms?.timestamp).toBeUndefined();
    expect(v.stapledTicket).toBe(false);
  });
});
