/**
 * `enrollments dep set-token setup`: make the key pair Apple encrypts the DEP token to. The
 * certificate is written for upload to Apple Business Manager; the private key never touches a
 * separate file: it waits in the config (0600) under the context and enrollment id until
 * `finalize` uses it.
 */
import { join, resolve } from 'node:path';
import { errnoCode, UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { updateConfig } from '../core/config-store.js';
import type { FleetClient } from '../fleet-api/client.js';
import type { Enrollment } from '../fleet-api/types.js';
import { DEP_CERT_FILE, generateDepKeyPair } from './dep-keypair.js';
import { requireDepEnrollment } from './enrollment-check.js';

export interface DepSetupOptions {
  readonly client: FleetClient;
  readonly configPath: string;
  readonly context: string;
  readonly enrollmentId: number;
  readonly outDir: string;
  readonly force: boolean;
  readonly now?: Date;
}

export interface DepSetupResult {
  readonly enrollment: Enrollment;
  readonly certPath: string;
  readonly replaced: boolean;
}

export async function depSetup(opts: DepSetupOptions): Promise<DepSetupResult> {
  const enrollment = await requireDepEnrollment(opts.client, opts.enrollmentId);
  const id = String(opts.enrollmentId);
  const certPath = resolve(join(opts.outDir, DEP_CERT_FILE));
  const now = opts.now ?? new Date();
  let replaced = false;
  // Check, generate, write the certificate and store the key inside one locked config update, so
  // two concurrent setups cannot both believe they own the slot; if writing the certificate fails
  // the config is left untouched.
  await updateConfig(opts.configPath, async (cfg) => {
    const existing = cfg.depKey(opts.context, id);
    if (existing !== undefined && !opts.force) {
      throw new UserError(
        'E_DEP_KEY_EXISTS',
        `a DEP key for enrollment ${id} is already stored in the "${opts.context}" context (created ${existing.createdAt})`,
        {
          hint: 'finish with `set-token finalize`, or run setup again with --force to replace it (a token made for the old certificate can then no longer be decrypted)',
        },
      );
    }
    replaced = existing !== undefined;
    const pair = generateDepKeyPair({ now });
    try {
      await writeFileAtomic(certPath, pair.certPem, 0o644);
    } catch (e) {
      throw new UserError('E_WRITE', `write certificate ${certPath}: ${errnoCode(e) ?? String(e)}`, { cause: e });
    }
    cfg.setDepKey(opts.context, id, { key: pair.keyPem, certificate: pair.certPem, createdAt: now.toISOString() });
  });
  return { enrollment, certPath, replaced };
}
