/** Finds an enrollment by id and checks it is a DEP (automatic) enrollment, as `set-token` requires. */
import { UserError } from '../core/errors.js';
import type { FleetClient } from '../fleet-api/client.js';
import { listEnrollments } from '../fleet-api/enrollments.js';
import type { Enrollment } from '../fleet-api/types.js';

export async function requireDepEnrollment(client: FleetClient, id: number): Promise<Enrollment> {
  const all = await listEnrollments(client);
  const e = all.find((x) => x.id === id);
  if (e === undefined) {
    throw new UserError('E_ENROLLMENT', `enrollment ${id} doesn't exist`, {
      hint: 'list enrollments with: fleetctl apple-mdm enrollments list',
    });
  }
  if (e.depConfig === null) {
    throw new UserError('E_NOT_DEP', `enrollment ${id} ("${e.name}") is a manual enrollment, not a DEP enrollment`, {
      hint: 'create a DEP enrollment with: fleetctl apple-mdm enrollments create --name <name> --configuration dep-profile.json',
    });
  }
  return e;
}

export function parseEnrollmentId(raw: string): number {
  if (!/^[1-9][0-9]*$/.test(raw.trim())) {
    throw new UserError('E_USAGE', `invalid enrollment id ${JSON.stringify(raw)}: expected a positive number`);
  }
  return Number(raw.trim());
}
