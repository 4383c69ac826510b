/**
 * The Packager service's vocabulary: what a stored package record holds (never the request's
 * arguments: only a keyed hash of them), the public status values of `GET /status`, and the
 * stages a client sees while a build runs.
 */
import type { PackageType } from '../packaging/types.js';

/** Public status values, exactly as the API documents them. */
export type PackageStatus = 'success' | 'fail' | 'in-progress' | 'expired';

/**
 * Stages shown while in progress. `queued` waits for a build slot, `downloading` is the TUF fetch,
 * `building` covers compression and writing, `storing` is the encryption into the data dir.
 */
export type ServiceStage = 'queued' | 'downloading' | 'building' | 'signing' | 'notarizing' | 'storing';

export interface PackageRecord {
  /** Random UUIDv4; also the download capability, so it is logged only shortened. */
  readonly id: string;
  /** HMAC-SHA256 (server key) of the canonical arguments: the dedup key. */
  readonly argsMac: string;
  readonly type: PackageType;
  status: PackageStatus;
  stage?: ServiceStage;
  /** Redacted build log lines, kept for failed builds. */
  logs?: string[];
  readonly createdAt: number;
  finishedAt?: number;
  /** Set when the build finishes (success or fail): finishedAt + TTL. */
  expiresAt?: number;
  /** Installer file name (Content-Disposition), e.g. fleet-osquery_1.38.0_amd64.deb. */
  fileName?: string;
  /** Plaintext size in bytes (Content-Length of a full download). */
  size?: number;
  /** SHA-256 of the plaintext, base64 (Repr-Digest of a download). */
  sha256?: string;
}

/** A record's stored form is the record itself; the version allows later migrations. */
export interface StoredRecord extends PackageRecord {
  readonly v: 1;
}
