/**
 * A request → the validated PackageOptions the shared build takes, through the same
 * validatePackageFlags the CLI uses (one set of rules and messages). The request carries the
 * certificate chain and flagfile as content; they are written to 0600 files in the build's own
 * scratch directory (0700, removed after the build), because the build reads them by path.
 * Validation errors become 400s naming the request field, with scratch paths replaced by the field.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isFleetctlError } from '../core/errors.js';
import { validatePackageFlags } from '../packaging/options.js';
import type { PackageOptions } from '../packaging/types.js';
import { BadRequest, type CreateBody } from './create-request.js';

/** Where the service gets agents from; fixed at start, never from a request. */
export interface TufSource {
  readonly updateUrl: string;
  /** root.json text, or undefined for Fleet's embedded root. */
  readonly updateRoots?: string;
}

export interface BuildInputs {
  readonly options: PackageOptions;
  /** Scratch directory of this build (inputs, plaintext output); removed when the build ends. */
  readonly workDir: string;
  /** Canonical text of every argument that shapes the package (input to the dedup MAC). */
  readonly canonical: string;
}

const FLAG_TO_FIELD: Readonly<Record<string, string>> = {
  'fleet-url': 'fleet_url',
  'enroll-secret': 'enroll_secret',
};

function fieldOf(message: string): string | undefined {
  if (/fleet server certificate/.test(message)) {
    return 'fleet-certificate';
  }
  const m = /--([a-z][a-z-]*)/.exec(message);
  if (m === null) {
    return undefined;
  }
  const flag = m[1] as string;
  return FLAG_TO_FIELD[flag] ?? flag;
}

export async function prepareBuildInputs(body: CreateBody, workDir: string, tuf: TufSource, mtime: number): Promise<BuildInputs> {
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  const certPath = join(workDir, 'fleet.pem');
  const flagPath = join(workDir, 'osquery.flags');
  try {
    if (body.fleetCertificate !== undefined) {
      await writeFile(certPath, body.fleetCertificate, { mode: 0o600 });
    }
    if (body.osqueryFlagfile !== undefined) {
      await writeFile(flagPath, body.osqueryFlagfile, { mode: 0o600 });
    }
    let options: PackageOptions;
    try {
      options = validatePackageFlags(
        {
          type: body.type,
          fleetUrl: body.fleetUrl,
          enrollSecret: body.enrollSecret,
          fleetCertificate: body.fleetCertificate === undefined ? undefined : certPath,
          insecure: body.insecure,
          service: body.service,
          orbitChannel: body.orbitChannel,
          osquerydChannel: body.osquerydChannel,
          desktopChannel: body.desktopChannel,
          disableUpdates: body.disableUpdates,
          debug: body.debug,
          fleetDesktop: body.fleetDesktop,
          updateInterval: body.updateInterval,
          osqueryFlagfile: body.osqueryFlagfile === undefined ? undefined : flagPath,
          updateUrl: tuf.updateUrl,
          updateRoots: tuf.updateRoots,
        },
        mtime,
      );
    } catch (e) {
      if (isFleetctlError(e)) {
        const msg = e.message.split(certPath).join('fleet-certificate').split(flagPath).join('osquery-flagfile').split(workDir).join('');
        throw new BadRequest(fieldOf(e.message), msg);
      }
      throw e;
    }
    // Normalized values (defaults filled in, durations canonical), so `"orbit-channel": "stable"`
    // and an omitted channel are the same request.
    const canonical = JSON.stringify([
      options.type,
      options.fleetUrl,
      options.enrollSecret,
      options.insecure,
      options.service,
      options.orbitChannel,
      options.osquerydChannel,
      options.desktopChannel,
      options.disableUpdates,
      options.debug,
      options.fleetDesktop,
      options.updateInterval,
      body.fleetCertificate ?? null,
      body.osqueryFlagfile ?? null,
      tuf.updateUrl,
      tuf.updateRoots ?? null,
    ]);
    return { options, workDir, canonical };
  } catch (e) {
    await rm(workDir, { recursive: true, force: true });
    throw e;
  }
}
