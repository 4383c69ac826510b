/**
 * TUF metadata documents as go-tuf writes them for Fleet's repositories: spec_version "1.0",
 * consistent_snapshot false, compact JSON, signatures over the canonical JSON (OLPC style) of `signed`,
 * sha512 hashes. Expiry strings are kept exactly as written: the signature covers them.
 */
import { createHash } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import type { PublicKeyJson, SigningKey } from './keys.js';
import { signBytes } from './keys.js';

export type Role = 'root' | 'targets' | 'snapshot' | 'timestamp';
export const ROLES: readonly Role[] = ['root', 'targets', 'snapshot', 'timestamp'];

export interface Signature {
  readonly keyid: string;
  readonly sig: string;
}

export interface Envelope<T> {
  readonly signed: T;
  readonly signatures: readonly Signature[];
}

export interface RoleKeys {
  readonly keyids: readonly string[];
  readonly threshold: number;
}

export interface RootSigned {
  readonly _type: 'root';
  readonly spec_version: string;
  readonly version: number;
  readonly expires: string;
  readonly keys: Readonly<Record<string, PublicKeyJson>>;
  readonly roles: Readonly<Record<Role, RoleKeys>>;
  readonly consistent_snapshot: boolean;
}

export interface TargetFileMeta {
  readonly length: number;
  readonly hashes: Readonly<Record<string, string>>;
  readonly custom?: { readonly version?: string } & Readonly<Record<string, unknown>>;
}

export interface TargetsSigned {
  readonly _type: 'targets';
  readonly spec_version: string;
  readonly version: number;
  readonly expires: string;
  readonly targets: Readonly<Record<string, TargetFileMeta>>;
}

export interface MetaFile {
  readonly length: number;
  readonly hashes: Readonly<Record<string, string>>;
  readonly version: number;
}

export interface SnapshotSigned {
  readonly _type: 'snapshot';
  readonly spec_version: string;
  readonly version: number;
  readonly expires: string;
  readonly meta: Readonly<Record<string, MetaFile>>;
}

export interface TimestampSigned {
  readonly _type: 'timestamp';
  readonly spec_version: string;
  readonly version: number;
  readonly expires: string;
  readonly meta: Readonly<Record<string, MetaFile>>;
}

export function signEnvelope<T extends object>(signed: T, keys: readonly SigningKey[]): Envelope<T> {
  const data = Buffer.from(canonicalize(signed), 'utf8');
  return { signed, signatures: keys.map((k) => ({ keyid: k.keyId, sig: signBytes(k, data) })) };
}

export function serialize(env: Envelope<object>): Buffer {
  return Buffer.from(JSON.stringify(env), 'utf8');
}

/** RFC 3339 in UTC with whole seconds, as go-tuf writes it. */
export function expiresIn(now: Date, hours: number): string {
  return new Date(Math.round(now.getTime() / 1000) * 1000 + hours * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function sha512Hex(data: Buffer): string {
  return createHash('sha512').update(data).digest('hex');
}

export function metaFileFor(bytes: Buffer, version: number): MetaFile {
  return { length: bytes.length, hashes: { sha512: sha512Hex(bytes) }, version };
}
