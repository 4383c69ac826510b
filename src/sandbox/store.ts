/**
 * Installer stores for `sandbox provision`. Both make an object visible only once it is complete
 * (rename into place; S3 completes a multipart upload atomically), verify it after writing, and can
 * tell whether an object built from the same inputs is already there, so re-runs upload nothing new.
 */

export interface StoredObjectInfo {
  /** Hash of everything the installer was built from (see provision.ts); equal inputs → skip. */
  readonly inputKey: string;
  readonly size: number;
  readonly sha256: string;
}

export interface InstallerStore {
  /** Human-readable location, without secrets. */
  readonly location: string;
  /** True when the object exists, was built from `inputKey` and is intact. */
  has(key: string, inputKey: string): Promise<boolean>;
  /** Stores the file at key and verifies the stored copy. */
  put(key: string, file: string, info: StoredObjectInfo): Promise<void>;
}
