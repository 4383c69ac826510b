import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TufClient } from '../../../src/tuf/client.js';
import { normalizeUpdateUrl } from '../../../src/tuf/transport.js';
import { fleetRootJson } from '../../../src/tuf/fleet-root.js';
import { resignTimestamp } from '../../../src/tuf/repo.js';
import { makeTestRepo, PASSPHRASE, serveDir, type TestRepo } from '../../helpers/tuf-fixture.js';

const transport = { userAgent: 'test' };
let base: string;
let repo: TestRepo;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'tuf-client-'));
  repo = await makeTestRepo(join(base, 'repo'), { platforms: ['linux'] });
}, 120_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

function freshCache(): string {
  return mkdtempSync(join(base, 'cache-'));
}

/** A private copy of the repository that a test may corrupt. */
function copyRepo(): TestRepo {
  const dir = mkdtempSync(join(base, 'copy-'));
  cpSync(repo.dir, dir, { recursive: true });
  return { ...repo, dir, repository: join(dir, 'repository') };
}

async function open(r: TestRepo, cache: string, over: Partial<Parameters<typeof TufClient.open>[0]> = {}): Promise<TufClient> {
  return TufClient.open({ updateUrl: normalizeUpdateUrl(r.repository), rootJson: r.rootJson, transport, offline: false, cacheRoot: cache, ...over });
}

describe('TufClient', () => {
  it('downloads and verifies a target over HTTP, then serves it from the cache offline', async () => {
    const server = await serveDir(repo.repository);
    try {
      const cache = freshCache();
      const c = await open(repo, cache, { updateUrl: normalizeUpdateUrl(server.url) });
      const t = await c.target('orbit/linux/stable/orbit');
      expect(t.version).toBe('1.38.0');
      expect(readFileSync(t.file, 'utf8')).toContain('fake orbit (linux)');
      expect(server.requests).toContain('/targets/orbit/linux/stable/orbit');
      const offline = await open(repo, cache, { updateUrl: normalizeUpdateUrl(server.url), offline: true });
      const before = server.requests.length;
      expect((await offline.target('orbit/linux/stable/orbit')).file).toBe(t.file);
      expect(server.requests.length).toBe(before);
      const docs = await offline.metadataDocuments();
      expect(Object.keys(docs).sort()).toEqual(['root.json', 'snapshot.json', 'targets.json', 'timestamp.json']);
    } finally {
      await server.close();
    }
  });

  it('works from a plain directory and from a file:// URL', async () => {
    const c1 = await open(repo, freshCache());
    expect((await c1.target('osqueryd/linux/stable/osqueryd')).version).toBe('5.15.0');
    const c2 = await open(repo, freshCache(), { updateUrl: normalizeUpdateUrl(`file://${repo.repository}`) });
    expect((await c2.target('osqueryd/linux/stable/osqueryd')).length).toBeGreaterThan(0);
  });

  it('refuses a tampered target (same length, different bytes) and leaves nothing in the cache', async () => {
    const r = copyRepo();
    const f = join(r.repository, 'targets', 'orbit', 'linux', 'stable', 'orbit');
    const b = readFileSync(f);
    b[5] = b[5] === 0x41 ? 0x42 : 0x41;
    writeFileSync(f, b);
    const cache = freshCache();
    const c = await open(r, cache);
    await expect(c.target('orbit/linux/stable/orbit')).rejects.toThrow(/does not match its signed sha512 hash/);
    expect(readdirSync(join(cache, 'targets', 'sha512'))).toEqual([]);
  });

  it('refuses a target longer or shorter than its signed length (in transit)', async () => {
    const longer = await serveDir(repo.repository, (p, body) => (p.endsWith('/orbit') ? Buffer.concat([body, Buffer.from('extra')]) : body));
    const shorter = await serveDir(repo.repository, (p, body) => (p.endsWith('/orbit') ? body.subarray(0, body.length - 3) : body));
    try {
      const c1 = await open(repo, freshCache(), { updateUrl: normalizeUpdateUrl(longer.url) });
      await expect(c1.target('orbit/linux/stable/orbit')).rejects.toThrow(/longer than its signed length/);
      const c2 = await open(repo, freshCache(), { updateUrl: normalizeUpdateUrl(shorter.url) });
      await expect(c2.target('orbit/linux/stable/orbit')).rejects.toThrow(/signed length/);
    } finally {
      await longer.close();
      await shorter.close();
    }
  });

  it('re-downloads a corrupted cache entry', async () => {
    const cache = freshCache();
    const c = await open(repo, cache);
    const t = await c.target('orbit/linux/stable/orbit');
    writeFileSync(t.file, 'corrupt');
    const again = await c.target('orbit/linux/stable/orbit');
    expect(readFileSync(again.file, 'utf8')).toContain('fake orbit');
  });

  it('refuses expired metadata', async () => {
    const r = copyRepo();
    await resignTimestamp({ path: r.dir, passphrase: PASSPHRASE, now: () => new Date(Date.now() - 30 * 24 * 3600_000) });
    await expect(open(r, freshCache())).rejects.toThrow(/expired/);
  });

  it('refuses a rollback to older metadata it has already seen', async () => {
    const r = copyRepo();
    const oldTimestamp = readFileSync(join(r.repository, 'timestamp.json'));
    await resignTimestamp({ path: r.dir, passphrase: PASSPHRASE });
    const cache = freshCache();
    await open(r, cache);
    writeFileSync(join(r.repository, 'timestamp.json'), oldTimestamp);
    await expect(open(r, cache)).rejects.toThrow(/rollback refused/);
  });

  it('refuses metadata not signed by the trusted root', async () => {
    const other = await makeTestRepo(join(base, 'other'), { platforms: ['linux'] });
    await expect(open(repo, freshCache(), { rootJson: other.rootJson })).rejects.toThrow(/not signed by the trusted keys/);
  });

  it("loads Fleet's real root as trust and walks rotations from it (an expired v6 with no newer root is refused)", async () => {
    const mirror = mkdtempSync(join(base, 'fleet-mirror-'));
    // Any timestamp: the final root's expiry is checked before the timestamp is even parsed.
    writeFileSync(join(mirror, 'timestamp.json'), '{}');
    await expect(
      TufClient.open({ updateUrl: normalizeUpdateUrl(mirror), rootJson: fleetRootJson(), transport, offline: false, cacheRoot: freshCache() }),
    ).rejects.toThrow(/Final root.json is expired/);
  });

  it('offline without a cache says how to fix it', async () => {
    await expect(open(repo, freshCache(), { offline: true })).rejects.toThrow(/--offline: no valid cached update metadata/);
  });

  it('names the missing target', async () => {
    const c = await open(repo, freshCache());
    await expect(c.target('orbit/linux/nope/orbit')).rejects.toThrow(/target orbit\/linux\/nope\/orbit is not in the update repository/);
  });
});

describe('root rotation', () => {
  async function rotate(r: TestRepo, crossSign: boolean): Promise<void> {
    const { decryptKeys, generateKey } = await import('../../../src/tuf/keys.js');
    const { signEnvelope, serialize } = await import('../../../src/tuf/metadata.js');
    const persisted = JSON.parse(readFileSync(join(r.dir, 'keys', 'root.json'), 'utf8')) as Parameters<typeof decryptKeys>[0];
    const [oldKey] = decryptKeys(persisted, 'test-root', 'root key');
    const newKey = generateKey();
    const v1 = JSON.parse(readFileSync(join(r.repository, 'root.json'), 'utf8')) as { signed: Record<string, unknown> & { keys: Record<string, unknown>; roles: Record<string, unknown> } };
    const signed = {
      ...v1.signed,
      version: 2,
      keys: { ...v1.signed.keys, [newKey.keyId]: newKey.publicJson },
      roles: { ...v1.signed.roles, root: { keyids: [newKey.keyId], threshold: 1 } },
    };
    const env = signEnvelope(signed, crossSign && oldKey ? [oldKey, newKey] : [newKey]);
    writeFileSync(join(r.repository, '2.root.json'), serialize(env));
    writeFileSync(join(r.repository, 'root.json'), serialize(env));
  }

  it('follows a rotation signed by the old and the new root, and packages the newest root', async () => {
    const r = copyRepo();
    await rotate(r, true);
    const c = await open(r, freshCache());
    const docs = await c.metadataDocuments();
    expect((docs['root.json'] as { signed: { version: number } }).signed.version).toBe(2);
  });

  it('refuses a rotation the old root did not sign', async () => {
    const r = copyRepo();
    await rotate(r, false);
    await expect(open(r, freshCache())).rejects.toThrow(/not signed by the trusted keys/);
  });
});

describe('HTTPS transport with a private CA and a client certificate', () => {
  it('fetches through mTLS and fails clearly without the client certificate', async () => {
    const { execFileSync } = await import('node:child_process');
    const { createServer } = await import('node:https');
    const dir = mkdtempSync(join(base, 'tls-'));
    const ossl = (...a: string[]): void => {
      execFileSync('openssl', a, { cwd: dir, stdio: 'ignore' });
    };
    ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'fake-ca.key', '-out', 'fake-ca.pem', '-days', '2', '-subj', '/CN=fake test CA');
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'fake-server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    ossl('x509', '-req', '-in', 'server.csr', '-CA', 'fake-ca.pem', '-CAkey', 'fake-ca.key', '-CAcreateserial', '-out', 'fake-server.pem', '-days', '2', '-extfile', 'san.ext');
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'fake-client.key', '-out', 'client.csr', '-subj', '/CN=client');
    ossl('x509', '-req', '-in', 'client.csr', '-CA', 'fake-ca.pem', '-CAkey', 'fake-ca.key', '-CAcreateserial', '-out', 'fake-client.pem', '-days', '2');
    const read = (f: string): Buffer => readFileSync(join(dir, f));
    const server = createServer({ key: read('fake-server.key'), cert: read('fake-server.pem'), ca: read('fake-ca.pem'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
      try {
        res.end(readFileSync(join(repo.repository, decodeURIComponent(req.url ?? '/'))));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const url = normalizeUpdateUrl(`https://127.0.0.1:${port}`);
      const c = await TufClient.open({
        updateUrl: url,
        rootJson: repo.rootJson,
        transport: { userAgent: 't', caFile: join(dir, 'fake-ca.pem'), certFile: join(dir, 'fake-client.pem'), keyFile: join(dir, 'fake-client.key') },
        offline: false,
        cacheRoot: freshCache(),
      });
      expect((await c.target('orbit/linux/stable/orbit')).version).toBe('1.38.0');
      await expect(
        TufClient.open({ updateUrl: url, rootJson: repo.rootJson, transport: { userAgent: 't', caFile: join(dir, 'fake-ca.pem') }, offline: false, cacheRoot: freshCache() }),
      ).rejects.toThrow(/cannot reach update server|HTTP|socket|certificate/);
      await expect(TufClient.open({ updateUrl: url, rootJson: repo.rootJson, transport: { userAgent: 't' }, offline: false, cacheRoot: freshCache() })).rejects.toThrow(
        /cannot reach update server https:\/\/127.0.0.1:\d+: (SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/,
      );
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('concurrency', () => {
  it('two clients refreshing the same cache at once both succeed', async () => {
    const cache = freshCache();
    const [a, b] = await Promise.all([open(repo, cache), open(repo, cache)]);
    const [ta, tb] = await Promise.all([a.target('orbit/linux/stable/orbit'), b.target('orbit/linux/stable/orbit')]);
    expect(ta.file).toBe(tb.file);
    expect(readFileSync(ta.file, 'utf8')).toContain('fake orbit');
  });
});
