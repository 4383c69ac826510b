import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../../src/core/errors.js';
import { identityFromPem } from '../../../src/signing/identity.js';
import { createXarSigner } from '../../../src/signing/xar-signer.js';
import { notarizeAndStaple, type NotarizeParams } from '../../../src/signing/notary/notarize.js';
import { readStapledTicket } from '../../../src/signing/stapler.js';
import { verifyXarSignatures } from '../../../src/signing/xar-verify.js';
import { makeTestPki } from '../../fakes/notary/pki.js';
import { startFakeNotary, type FakeNotary } from '../../fakes/notary/fake-notary.js';
import { distributionEntry, xarBytes } from '../../helpers/xar-fixtures.js';

const apiKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const KEY = {
  keyId: 'FAKEKEY123',
  issuerId: '69a6de70-0000-47e3-e053-5b8c7c11a4d1',
  privateKeyPem: apiKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
};

let work: string;
let notary: FakeNotary;
let pkg: string;

async function signedPkg(path: string, signed = true): Promise<void> {
  const signer = signed ? await createXarSigner({ identity: identityFromPem(makeTestPki().identityPem) }) : undefined;
  writeFileSync(path, await xarBytes([distributionEntry()], { creationTime: 0, ...(signer !== undefined ? { signer } : {}) }));
}

const params = (over: Partial<NotarizeParams> = {}): NotarizeParams => ({
  apiKey: KEY,
  submissionName: 'fleet-osquery.pkg',
  timeoutMs: 20_000,
  pollIntervalMs: 20,
  apiUrl: notary.apiUrl,
  ticketUrl: notary.ticketUrl,
  ...over,
});

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'notarize-unit-'));
  notary = await startFakeNotary({ keyId: KEY.keyId, issuerId: KEY.issuerId, publicKey: apiKey.publicKey, scenario: 'accepted' });
  pkg = join(work, 'signed.pkg');
  await signedPkg(pkg);
});
afterAll(async () => {
  await notary.close();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  Object.assign(notary.options, { scenario: 'accepted', pollsBeforeDone: 1, failFirst: 0, ticketLag: 0 });
});

describe('notarize and staple against the local Notary API double', () => {
  it('Accepted: uploads to S3, polls, staples the ticket; signatures stay valid', async () => {
    const file = join(work, 'accepted.pkg');
    writeFileSync(file, readFileSync(pkg));
    const progress: string[] = [];
    const r = await notarizeAndStaple(file, params({ progress: (d) => progress.push(d) }));
    expect(r.status).toBe('Accepted');
    expect(r.stapled).toBe(true);
    const out = readFileSync(file);
    const ticket = readStapledTicket(out);
    expect(ticket?.toString('latin1', 0, 4)).toBe('s8ch');
    expect(ticket?.toString()).toContain(r.ticketRecord);
    expect(r.ticketRecord).toMatch(/^2\/1\/[0-9a-f]{40}$/);
    expect(verifyXarSignatures(out).valid).toBe(true);
    expect(notary.submissions.get(r.submissionId)?.name).toBe('fleet-osquery.pkg');
    expect(progress.some((p) => p.includes(r.submissionId))).toBe(true);
  });

  it('Invalid: fails with the issues from the developer log and does not staple', async () => {
    notary.options.scenario = 'invalid';
    const file = join(work, 'invalid.pkg');
    writeFileSync(file, readFileSync(pkg));
    const err = await notarizeAndStaple(file, params()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('E_NOTARIZE_REJECTED');
    expect((err as ApiError).message).toMatch(/returned Invalid for submission [0-9a-f-]+:/);
    expect((err as ApiError).message).toContain('The signature of the binary is invalid.');
    expect(readStapledTicket(readFileSync(file))).toBeUndefined();
  });

  it('an unsigned package is judged Invalid by the double', async () => {
    const file = join(work, 'unsigned.pkg');
    await signedPkg(file, false);
    const err = await notarizeAndStaple(file, params()).catch((e: unknown) => e);
    expect((err as ApiError).message).toContain('not signed with a valid Developer ID certificate');
  });

  it('transient 5xx answers are retried', async () => {
    notary.options.failFirst = 2;
    const file = join(work, 'flaky.pkg');
    writeFileSync(file, readFileSync(pkg));
    const before = notary.requests.filter((q) => q.status === 503).length;
    const r = await notarizeAndStaple(file, params());
    expect(r.stapled).toBe(true);
    expect(notary.requests.filter((q) => q.status === 503).length).toBe(before + 2);
  });

  it('a ticket published a little after acceptance is waited for', async () => {
    notary.options.ticketLag = 2;
    const file = join(work, 'lag.pkg');
    writeFileSync(file, readFileSync(pkg));
    expect((await notarizeAndStaple(file, params())).stapled).toBe(true);
    expect(notary.options.ticketLag).toBe(0);
  });

  it('times out with a clear error naming the submission', async () => {
    notary.options.scenario = 'in-progress';
    const file = join(work, 'slow.pkg');
    writeFileSync(file, readFileSync(pkg));
    const err = await notarizeAndStaple(file, params({ timeoutMs: 300 })).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('E_NOTARIZE_TIMEOUT');
    expect((err as ApiError).message).toMatch(
      /did not finish within .* \(submission [0-9a-f-]+, status In Progress\); the package was not stapled/,
    );
  });

  it('a token signed with the wrong key is refused with a hint', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const err = await notarizeAndStaple(pkg, params({ apiKey: { ...KEY, privateKeyPem: other } })).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('E_NOTARY_HTTP');
    expect((err as ApiError).message).toContain('HTTP 401');
    expect((err as ApiError).hint).toMatch(/API key/);
  });
});
