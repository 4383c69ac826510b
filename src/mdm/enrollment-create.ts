/** `enrollments create`: a DEP enrollment when a DEP profile JSON is given, a manual one otherwise. */
import { readFile } from 'node:fs/promises';
import { errnoCode, UserError } from '../core/errors.js';
import type { FleetClient } from '../fleet-api/client.js';
import { createEnrollment } from '../fleet-api/enrollments.js';
import type { Enrollment } from '../fleet-api/types.js';

export async function readDepProfile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError('E_READ', `read DEP profile: ${file}: ${errnoCode(e) ?? String(e)}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UserError('E_DEP_PROFILE', `DEP profile ${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new UserError('E_DEP_PROFILE', `DEP profile ${file} must be a JSON object (Apple's DEP profile)`);
  }
  return v as Record<string, unknown>;
}

export async function createEnrollmentFromFile(client: FleetClient, name: string, configurationFile?: string): Promise<Enrollment> {
  if (name.trim() === '') {
    throw new UserError('E_USAGE', 'enrollment name must not be empty');
  }
  const dep = configurationFile === undefined ? null : await readDepProfile(configurationFile);
  return createEnrollment(client, name, dep);
}
