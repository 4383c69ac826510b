/**
 * `fleetctl updates init|add|roots|timestamp`: a TUF repository in go-tuf's file-system layout, the
 * layout Fleet's own `fleetctl updates` and update servers use:
 *   keys/<role>.json               encrypted private keys
 *   staged/                        (go-tuf's staging area; left empty, commits are immediate)
 *   repository/root.json, N.root.json, targets.json, snapshot.json, timestamp.json
 *   repository/targets/<name>/<platform>/<tag>/<file>
 * Serve `repository/` over HTTP(S) (or copy it for air-gapped hosts) and point `--update-url` at it.
 */
import { copyFile, mkdir, readFile, stat, access } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { errnoCode, UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { withLock } from '../core/lock.js';
import { decryptKeys, encryptKeys, generateKey, type PersistedKeys, type SigningKey } from './keys.js';
import {
  expiresIn,
  metaFileFor,
  ROLES,
  serialize,
  signEnvelope,
  type Envelope,
  type Role,
  type RootSigned,
  type SnapshotSigned,
  type TargetsSigned,
  type TimestampSigned,
} from './metadata.js';
import { targetFileName, targetRepoPath } from './target-names.js';

/** Lifetimes Fleet's `fleetctl updates` uses. */
export const EXPIRY_HOURS: Readonly<Record<Role, number>> = { root: 87600, targets: 26280, snapshot: 26280, timestamp: 336 };

export type PassphraseProvider = (role: Role, purpose: 'new' | 'unlock') => Promise<string>;

export interface RepoOptions {
  readonly path: string;
  readonly passphrase: PassphraseProvider;
  readonly now?: () => Date;
}

const repoDir = (p: string): string => join(p, 'repository');
const keyFile = (p: string, role: Role): string => join(p, 'keys', `${role}.json`);

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

async function readJson<T>(file: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') {
      throw new UserError('E_TUF_REPO', `${what} not found at ${file}`, { hint: 'run `fleetctl updates init --path <dir>` first, or check --path' });
    }
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UserError('E_TUF_REPO', `${what} at ${file} is not valid JSON`);
  }
}

async function writeMeta(p: string, name: string, env: Envelope<object>): Promise<void> {
  await writeFileAtomic(join(repoDir(p), name), serialize(env), 0o644);
}

async function loadKeys(p: string, role: Role, provider: PassphraseProvider): Promise<SigningKey[]> {
  const persisted = await readJson<PersistedKeys>(keyFile(p, role), `${role} key`);
  const pass = persisted.encrypted ? await provider(role, 'unlock') : '';
  return decryptKeys(persisted, pass, `${role} key`);
}

export async function initRepo(o: RepoOptions): Promise<{ rootKeyIds: string[] }> {
  const p = o.path;
  if (await exists(join(repoDir(p), 'root.json'))) {
    throw new UserError('E_TUF_REPO_EXISTS', `a TUF repository already exists at ${p}`, { hint: 'choose another --path' });
  }
  await mkdir(join(p, 'keys'), { recursive: true, mode: 0o700 });
  await mkdir(join(p, 'staged', 'targets'), { recursive: true });
  await mkdir(join(repoDir(p), 'targets'), { recursive: true });
  const now = (o.now ?? (() => new Date()))();
  const keys = {} as Record<Role, SigningKey>;
  for (const role of ROLES) {
    const pass = await o.passphrase(role, 'new');
    const k = generateKey();
    keys[role] = k;
    await writeFileAtomic(keyFile(p, role), JSON.stringify(encryptKeys([k], pass), null, 2) + '\n', 0o600);
  }
  const root: RootSigned = {
    _type: 'root',
    spec_version: '1.0',
    version: 1,
    expires: expiresIn(now, EXPIRY_HOURS.root),
    keys: Object.fromEntries(ROLES.map((r) => [keys[r].keyId, keys[r].publicJson])),
    roles: Object.fromEntries(ROLES.map((r) => [r, { keyids: [keys[r].keyId], threshold: 1 }])) as Record<Role, { keyids: string[]; threshold: number }>,
    consistent_snapshot: false,
  };
  const rootEnv = signEnvelope(root, [keys.root]);
  await writeMeta(p, '1.root.json', rootEnv);
  await writeMeta(p, 'root.json', rootEnv);
  await commitTargets(p, { targets: {}, version: 0 }, keys, now);
  return { rootKeyIds: [keys.root.keyId] };
}

/** Re-signs targets (with the given content), snapshot and timestamp, each with version + 1. */
async function commitTargets(
  p: string,
  prev: { targets: TargetsSigned['targets']; version: number },
  keys: Pick<Record<Role, SigningKey>, 'targets' | 'snapshot' | 'timestamp'>,
  now: Date,
): Promise<void> {
  const targets: TargetsSigned = { _type: 'targets', spec_version: '1.0', version: prev.version + 1, expires: expiresIn(now, EXPIRY_HOURS.targets), targets: prev.targets };
  const targetsBytes = serialize(signEnvelope(targets, [keys.targets]));
  const prevSnap = await readJson<Envelope<SnapshotSigned>>(join(repoDir(p), 'snapshot.json'), 'snapshot.json').catch(() => undefined);
  const snapshot: SnapshotSigned = {
    _type: 'snapshot',
    spec_version: '1.0',
    version: (prevSnap?.signed.version ?? 0) + 1,
    expires: expiresIn(now, EXPIRY_HOURS.snapshot),
    meta: { 'targets.json': metaFileFor(targetsBytes, targets.version) },
  };
  const snapshotBytes = serialize(signEnvelope(snapshot, [keys.snapshot]));
  await writeFileAtomic(join(repoDir(p), 'targets.json'), targetsBytes, 0o644);
  await writeFileAtomic(join(repoDir(p), 'snapshot.json'), snapshotBytes, 0o644);
  await signTimestamp(p, keys.timestamp, snapshotBytes, snapshot.version, now);
}

async function signTimestamp(p: string, key: SigningKey, snapshotBytes: Buffer, snapshotVersion: number, now: Date): Promise<void> {
  const prev = await readJson<Envelope<TimestampSigned>>(join(repoDir(p), 'timestamp.json'), 'timestamp.json').catch(() => undefined);
  const ts: TimestampSigned = {
    _type: 'timestamp',
    spec_version: '1.0',
    version: (prev?.signed.version ?? 0) + 1,
    expires: expiresIn(now, EXPIRY_HOURS.timestamp),
    meta: { 'snapshot.json': metaFileFor(snapshotBytes, snapshotVersion) },
  };
  await writeMeta(p, 'timestamp.json', signEnvelope(ts, [key]));
}

export async function rootsOf(path: string): Promise<string> {
  const file = join(repoDir(path), 'root.json');
  await readJson<unknown>(file, 'root.json');
  return (await readFile(file, 'utf8')).trim();
}

export interface AddTargetOptions extends RepoOptions {
  readonly target: string;
  readonly name: string;
  readonly platform: string;
  readonly version: string;
  readonly tags: readonly string[];
}

async function hashFile(file: string): Promise<{ length: number; sha512: string }> {
  const h = createHash('sha512');
  let length = 0;
  for await (const c of createReadStream(file)) {
    h.update(c as Buffer);
    length += (c as Buffer).length;
  }
  return { length, sha512: h.digest('hex') };
}

export async function addTarget(o: AddTargetOptions): Promise<string[]> {
  const st = await stat(o.target).catch(() => undefined);
  if (st === undefined || !st.isFile()) {
    throw new UserError('E_TUF_TARGET', `--target ${o.target} is not a readable file`);
  }
  for (const [flag, v] of [
    ['--name', o.name],
    ['--platform', o.platform],
    ['--version', o.version],
  ] as const) {
    if (v === '' || v.includes('..') || v.startsWith('/')) {
      throw new UserError('E_TUF_TARGET', `${flag} must be a non-empty relative name, got "${v}"`);
    }
  }
  const p = o.path;
  return withLock(join(p, '.fleetctl-updates.lock'), async () => {
    const prevTargets = await readJson<Envelope<TargetsSigned>>(join(repoDir(p), 'targets.json'), 'targets.json');
    const keys = {
      targets: (await loadKeys(p, 'targets', o.passphrase))[0] as SigningKey,
      snapshot: (await loadKeys(p, 'snapshot', o.passphrase))[0] as SigningKey,
      timestamp: (await loadKeys(p, 'timestamp', o.passphrase))[0] as SigningKey,
    };
    const file = targetFileName(o.name, o.platform, o.target);
    const { length, sha512 } = await hashFile(o.target);
    const entries: Record<string, TargetsSigned['targets'][string]> = { ...prevTargets.signed.targets };
    const paths: string[] = [];
    for (const tag of [o.version, ...o.tags.filter((t) => t !== o.version)]) {
      const rel = targetRepoPath(o.name, o.platform, tag, file);
      const dest = join(repoDir(p), 'targets', ...rel.split('/'));
      await mkdir(dirname(dest), { recursive: true });
      await copyFile(o.target, dest);
      entries[rel] = { length, hashes: { sha512 }, custom: { version: o.version } };
      paths.push(rel);
    }
    await commitTargets(p, { targets: entries, version: prevTargets.signed.version }, keys, (o.now ?? (() => new Date()))());
    return paths;
  });
}

export async function resignTimestamp(o: RepoOptions): Promise<number> {
  const p = o.path;
  return withLock(join(p, '.fleetctl-updates.lock'), async () => {
    const snapshotBytes = await readFile(join(repoDir(p), 'snapshot.json')).catch(() => {
      throw new UserError('E_TUF_REPO', `snapshot.json not found under ${repoDir(p)}`, { hint: 'run `fleetctl updates init` first' });
    });
    const snap = JSON.parse(snapshotBytes.toString('utf8')) as Envelope<SnapshotSigned>;
    const key = (await loadKeys(p, 'timestamp', o.passphrase))[0] as SigningKey;
    await signTimestamp(p, key, snapshotBytes, snap.signed.version, (o.now ?? (() => new Date()))());
    const ts = await readJson<Envelope<TimestampSigned>>(join(repoDir(p), 'timestamp.json'), 'timestamp.json');
    return ts.signed.version;
  });
}
