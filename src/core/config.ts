/**
 * The fleetctl config file (`~/.fleet/config`): YAML with a `contexts` map, each context holding the
 * keys Go fleetctl knows (address, email, token, tls-skip-verify, rootca, url-prefix, custom-headers).
 *
 * The file is edited through the `yaml` package's Document API rather than re-serialised from a
 * struct, so keys we do not know (added by a newer fleetctl, another tool or the user) and comments
 * survive every rewrite. Go fleetctl drops such keys when it rewrites the file; we must not.
 *
 * Besides Fleet's keys a context may hold `apple-mdm-dep-keys`: the DEP token key pairs made by
 * `apple-mdm enrollments dep set-token setup`, keyed by enrollment id, until `finalize` consumes them.
 * Go fleetctl ignores the extra key when reading (and drops it when it rewrites the file).
 */
import { isMap, isScalar, parseDocument, YAMLMap, type Document } from 'yaml';
import { UserError } from './errors.js';
import { registerSecret } from './redact.js';

export const CONTEXT_KEYS = ['address', 'email', 'token', 'tls-skip-verify', 'rootca', 'url-prefix', 'custom-headers'] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

export const DEFAULT_CONTEXT = 'default';
/** Context key under which DEP token key pairs wait for `set-token finalize`. */
export const DEP_KEYS_KEY = 'apple-mdm-dep-keys';

export function isContextKey(key: string): key is ContextKey {
  return (CONTEXT_KEYS as readonly string[]).includes(key);
}

/** One context, with Fleet's defaults for missing keys. */
export interface FleetContext {
  readonly address: string;
  readonly email: string;
  readonly token: string;
  readonly tlsSkipVerify: boolean;
  readonly rootca: string;
  readonly urlPrefix: string;
  /** `null` when unset, as Go writes a nil map. */
  readonly customHeaders: Readonly<Record<string, string>> | null;
}

/** A DEP token key pair waiting for `set-token finalize`. */
export interface DepKeyEntry {
  /** PEM "RSA PRIVATE KEY" (PKCS#1), as nanodep writes it. */
  readonly key: string;
  /** PEM certificate uploaded to Apple Business Manager. */
  readonly certificate: string;
  readonly createdAt: string;
}

export type ContextValue = string | boolean | Readonly<Record<string, string>> | null;

function str(v: unknown): string {
  if (v === null || v === undefined) {
    return '';
  }
  return typeof v === 'string' ? v : String(v);
}

function bool(v: unknown): boolean {
  return v === true || (typeof v === 'string' && ['true', '1', 't', 'TRUE', 'True', 'T'].includes(v));
}

function headers(v: unknown): Record<string, string> | null {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) {
    return null;
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    out[k] = str(val);
  }
  return out;
}

/** The parsed config file; every mutation edits the YAML document in place. */
export class FleetConfig {
  private constructor(private readonly doc: Document) {}

  static parse(text: string, path: string): FleetConfig {
    const doc = parseDocument(text);
    const first = doc.errors[0];
    if (first !== undefined) {
      throw new UserError('E_CONFIG_PARSE', `error reading config at ${path}: unmarshal config: ${first.message.split('\n')[0] ?? ''}`, {
        hint: 'fix or remove the file, then run `fleetctl config set` again',
      });
    }
    const contents = doc.contents;
    if (contents !== null && !isMap(contents) && !(isScalar(contents) && (contents.value === null || contents.value === ''))) {
      throw new UserError('E_CONFIG_PARSE', `error reading config at ${path}: unmarshal config: the top level must be a map`);
    }
    const cfg = new FleetConfig(doc);
    cfg.registerSecrets();
    return cfg;
  }

  private registerSecrets(): void {
    for (const name of this.contextNames()) {
      registerSecret(this.context(name)?.token);
      for (const id of this.depKeyIds(name)) {
        registerSecret(this.depKey(name, id)?.key);
      }
    }
  }

  private plain(path: readonly string[]): unknown {
    const node = this.doc.getIn(path, true);
    if (node === undefined || node === null) {
      return undefined;
    }
    return typeof node === 'object' && 'toJSON' in node && typeof node.toJSON === 'function' ? (node.toJSON() as unknown) : node;
  }

  private hasContextsMap(): boolean {
    return isMap(this.doc.getIn(['contexts'], true));
  }

  contextNames(): string[] {
    const node = this.doc.getIn(['contexts'], true);
    if (!isMap(node)) {
      return [DEFAULT_CONTEXT];
    }
    return node.items.map((p) => str(isScalar(p.key) ? p.key.value : p.key));
  }

  /** Go fleetctl reads a file without contexts as `{default: {}}`; we do the same. */
  hasContext(name: string): boolean {
    if (!this.hasContextsMap()) {
      return name === DEFAULT_CONTEXT;
    }
    return this.doc.hasIn(['contexts', name]);
  }

  context(name: string): FleetContext | undefined {
    if (!this.hasContext(name)) {
      return undefined;
    }
    const raw = this.plain(['contexts', name]);
    const c = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    return {
      address: str(c['address']),
      email: str(c['email']),
      token: str(c['token']),
      tlsSkipVerify: bool(c['tls-skip-verify']),
      rootca: str(c['rootca']),
      urlPrefix: str(c['url-prefix']),
      customHeaders: headers(c['custom-headers']),
    };
  }

  /** Makes sure `path` is a map, replacing an empty (null) node; other values are a user error. */
  private ensureMap(path: readonly string[]): YAMLMap {
    const node = this.doc.getIn(path, true);
    if (isMap(node)) {
      return node;
    }
    const empty = node === undefined || node === null || (isScalar(node) && (node.value === null || node.value === ''));
    if (!empty) {
      throw new UserError('E_CONFIG_SHAPE', `config key ${path.join('.')} must be a map`, { hint: 'fix the config file by hand' });
    }
    const map = new YAMLMap();
    if (path.length === 0) {
      this.doc.contents = map;
    } else {
      if (path.length > 1) {
        this.ensureMap(path.slice(0, -1));
      }
      this.doc.setIn(path, map);
    }
    return map;
  }

  /**
   * Creates the context with Go fleetctl's default values (all keys, alphabetical, as its YAML
   * encoder writes them) when missing. Returns true when it was created.
   */
  ensureContext(name: string): boolean {
    const existed = this.hasContext(name);
    const inFile = this.hasContextsMap() && this.doc.hasIn(['contexts', name]);
    this.ensureMap(['contexts', name]);
    if (!inFile) {
      const defaults: Array<[ContextKey, ContextValue]> = [
        ['address', ''],
        ['custom-headers', null],
        ['email', ''],
        ['rootca', ''],
        ['tls-skip-verify', false],
        ['token', ''],
        ['url-prefix', ''],
      ];
      for (const [k, v] of defaults) {
        if (!this.doc.hasIn(['contexts', name, k])) {
          this.doc.setIn(['contexts', name, k], v);
        }
      }
    }
    return !existed;
  }

  set(name: string, key: ContextKey, value: ContextValue): void {
    this.ensureContext(name);
    if (key === 'token' && typeof value === 'string') {
      registerSecret(value);
    }
    const node = value !== null && typeof value === 'object' ? this.doc.createNode({ ...value }) : value;
    this.doc.setIn(['contexts', name, key], node);
  }

  depKeyIds(name: string): string[] {
    const node = this.doc.getIn(['contexts', name, DEP_KEYS_KEY], true);
    if (!isMap(node)) {
      return [];
    }
    return node.items.map((p) => str(isScalar(p.key) ? p.key.value : p.key));
  }

  depKey(name: string, enrollmentId: string): DepKeyEntry | undefined {
    const raw = this.plain(['contexts', name, DEP_KEYS_KEY, enrollmentId]);
    if (raw === null || typeof raw !== 'object') {
      return undefined;
    }
    const r = raw as Record<string, unknown>;
    const key = str(r['key']);
    if (key === '') {
      return undefined;
    }
    registerSecret(key);
    return { key, certificate: str(r['certificate']), createdAt: str(r['created_at']) };
  }

  setDepKey(name: string, enrollmentId: string, entry: DepKeyEntry): void {
    registerSecret(entry.key);
    this.ensureContext(name);
    this.ensureMap(['contexts', name, DEP_KEYS_KEY]);
    this.doc.setIn(
      ['contexts', name, DEP_KEYS_KEY, enrollmentId],
      this.doc.createNode({ key: entry.key, certificate: entry.certificate, created_at: entry.createdAt }),
    );
  }

  /** Removes the stored key pair; drops the whole map when it becomes empty. */
  deleteDepKey(name: string, enrollmentId: string): boolean {
    const removed = this.doc.deleteIn(['contexts', name, DEP_KEYS_KEY, enrollmentId]);
    if (removed && this.depKeyIds(name).length === 0) {
      this.doc.deleteIn(['contexts', name, DEP_KEYS_KEY]);
    }
    return removed;
  }

  toString(): string {
    if (this.doc.contents === null) {
      this.ensureMap([]);
    }
    return this.doc.toString();
  }
}

/** Renders a value as Go's `%v` does, so `config get` prints what Go fleetctl prints. */
export function formatGoValue(value: ContextValue): string {
  if (value === null) {
    return 'map[]';
  }
  if (typeof value === 'object') {
    const parts = Object.keys(value)
      .sort()
      .map((k) => `${k}:${value[k] ?? ''}`);
    return `map[${parts.join(' ')}]`;
  }
  return String(value);
}

export function contextValue(ctx: FleetContext, key: ContextKey): ContextValue {
  switch (key) {
    case 'address':
      return ctx.address;
    case 'email':
      return ctx.email;
    case 'token':
      return ctx.token;
    case 'tls-skip-verify':
      return ctx.tlsSkipVerify;
    case 'rootca':
      return ctx.rootca;
    case 'url-prefix':
      return ctx.urlPrefix;
    case 'custom-headers':
      return ctx.customHeaders;
  }
}

/** `Header:Value` strings → map; a missing colon gives an empty value, as in Go fleetctl. */
export function parseCustomHeaders(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf(':');
    if (i < 0) {
      out[v] = '';
    } else {
      out[v.slice(0, i)] = v.slice(i + 1);
    }
  }
  return out;
}
