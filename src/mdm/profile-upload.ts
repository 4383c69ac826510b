/** `profiles create`: check the profile with Fleet's rules (and `--name` against its PayloadDisplayName), then upload it. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { errnoCode, UserError } from '../core/errors.js';
import type { FleetClient } from '../fleet-api/client.js';
import { createProfile } from '../fleet-api/profiles.js';
import { ProfileRuleError, validateMobileconfig, type ParsedProfile } from './profile.js';

export interface UploadProfileOptions {
  readonly file: string;
  readonly name?: string;
  readonly teamId?: number;
}

export async function checkProfileFile(file: string, name?: string): Promise<{ bytes: Buffer; parsed: ParsedProfile }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new UserError('E_READ', `read profile: ${file}: ${errnoCode(e) ?? String(e)}`);
  }
  let parsed: ParsedProfile;
  try {
    parsed = validateMobileconfig(bytes);
  } catch (e) {
    if (e instanceof ProfileRuleError) {
      throw new UserError('E_PROFILE', `invalid profile ${basename(file)}: ${e.message}`);
    }
    throw e;
  }
  if (name !== undefined && name !== parsed.displayName) {
    throw new UserError('E_PROFILE', `--name "${name}" does not match the profile's PayloadDisplayName "${parsed.displayName}"`, {
      hint: 'Fleet names a profile after its PayloadDisplayName: drop --name or edit the profile',
    });
  }
  return { bytes, parsed };
}

export async function uploadProfile(
  client: FleetClient,
  opts: UploadProfileOptions,
): Promise<{ profileUuid: string; parsed: ParsedProfile }> {
  const { bytes, parsed } = await checkProfileFile(opts.file, opts.name);
  const profileUuid = await createProfile(client, basename(opts.file), bytes, opts.teamId);
  return { profileUuid, parsed };
}
