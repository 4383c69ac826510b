/** A deterministic random source for MSI GUIDs in tests (same seed ⇒ same ProductCode/PackageCode). */
import { createHash } from 'node:crypto';
import type { RandomSource } from '../../../../src/packaging/msi/guid.js';

export function seededRandom(seed: string): RandomSource {
  let n = 0;
  return (k) => createHash('sha256').update(`${seed}:${n++}`).digest().subarray(0, k);
}
