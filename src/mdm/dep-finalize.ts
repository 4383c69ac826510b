/**
 * `enrollments dep set-token finalize`: decrypt Apple's `.p7m` locally with the key stored by
 * `setup`, hand the OAuth tokens to Fleet, and only then forget the key, so a failure at any step
 * (bad file, wrong key, server error) leaves the user able to retry.
 */
import { readFile } from 'node:fs/promises';
import { errnoCode, UserError } from '../core/errors.js';
import { loadConfig, updateConfig } from '../core/config-store.js';
import type { FleetClient } from '../fleet-api/client.js';
import { setDepToken } from '../fleet-api/enrollments.js';
import type { Enrollment } from '../fleet-api/types.js';
import { decryptDepToken } from './dep-token.js';
import { requireDepEnrollment } from './enrollment-check.js';

export interface DepFinalizeOptions {
  readonly client: FleetClient;
  readonly configPath: string;
  readonly context: string;
  readonly enrollmentId: number;
  readonly tokenFile: string;
}

export interface DepFinalizeResult {
  readonly enrollment: Enrollment;
  readonly accessTokenExpiry: string;
}

export async function depFinalize(opts: DepFinalizeOptions): Promise<DepFinalizeResult> {
  const id = String(opts.enrollmentId);
  const stored = (await loadConfig(opts.configPath)).depKey(opts.context, id);
  if (stored === undefined) {
    throw new UserError('E_DEP_NO_KEY', `no DEP key is stored for enrollment ${id} in the "${opts.context}" context`, {
      hint: `run \`fleetctl apple-mdm enrollments dep set-token setup --enrollment ${id}\` first (with the same --context)`,
    });
  }
  let p7m: Buffer;
  try {
    p7m = await readFile(opts.tokenFile);
  } catch (e) {
    throw new UserError('E_READ', `cannot read the encrypted DEP token file ${opts.tokenFile}: ${errnoCode(e) ?? String(e)}`);
  }
  const enrollment = await requireDepEnrollment(opts.client, opts.enrollmentId);
  const tokens = decryptDepToken(p7m, stored.key, stored.certificate);
  await setDepToken(opts.client, opts.enrollmentId, tokens);
  await updateConfig(opts.configPath, (cfg) => {
    // Remove only the key we used: a concurrent `setup --force` may have stored a newer one.
    if (cfg.depKey(opts.context, id)?.key === stored.key) {
      cfg.deleteDepKey(opts.context, id);
    }
  });
  return { enrollment, accessTokenExpiry: tokens.access_token_expiry };
}
