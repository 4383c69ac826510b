/**
 * Apple MDM enrollments and their DEP (Apple Business Manager) side, as in Fleet's MDM plan:
 * `/mdm/apple/enrollments`, `/mdm/apple/enrollments/{id}/dep_token`, `…/dep/devices`, `…/dep/sync`.
 */
import type { FleetClient } from './client.js';
import { arr, num, obj, str } from './decode.js';
import type { DepDevice, DepOAuthTokens, DepSyncResult, Enrollment } from './types.js';

function toEnrollment(v: unknown): Enrollment {
  const o = obj(v, 'enrollment');
  const dep = o['dep_config'];
  return {
    id: num(o['id'], 'enrollment.id'),
    name: str(o['name']),
    depConfig: dep !== null && typeof dep === 'object' && !Array.isArray(dep) ? (dep as Record<string, unknown>) : null,
    url: str(o['url']),
  };
}

export async function createEnrollment(client: FleetClient, name: string, depConfig: Record<string, unknown> | null): Promise<Enrollment> {
  const res = obj(await client.json('POST', '/mdm/apple/enrollments', { json: { name, dep_config: depConfig } }), 'response');
  return toEnrollment(res['enrollment']);
}

export async function listEnrollments(client: FleetClient): Promise<Enrollment[]> {
  const res = obj(await client.json('GET', '/mdm/apple/enrollments'), 'response');
  return arr(res['enrollments'], 'enrollments').map(toEnrollment);
}

export async function setDepToken(client: FleetClient, enrollmentId: number, token: DepOAuthTokens): Promise<void> {
  await client.json('POST', `/mdm/apple/enrollments/${enrollmentId}/dep_token`, {
    json: {
      token: {
        consumer_key: token.consumer_key,
        consumer_secret: token.consumer_secret,
        access_token: token.access_token,
        access_secret: token.access_secret,
        access_token_expiry: token.access_token_expiry,
      },
    },
  });
}

function toDevice(v: unknown): DepDevice {
  const o = obj(v, 'device');
  const s = (k: string): string => str(o[k]);
  return {
    serial_number: s('serial_number'),
    model: s('model'),
    description: s('description'),
    color: s('color'),
    asset_tag: s('asset_tag'),
    os: s('os'),
    device_family: s('device_family'),
    profile_status: s('profile_status'),
    profile_uuid: s('profile_uuid'),
    profile_assign_time: s('profile_assign_time'),
    profile_push_time: s('profile_push_time'),
    device_assigned_date: s('device_assigned_date'),
    device_assigned_by: s('device_assigned_by'),
  };
}

/** Follows Apple's cursor (`more_to_follow`) until every page is read. */
export async function listDepDevices(client: FleetClient, enrollmentId: number, maxPages = 10_000): Promise<DepDevice[]> {
  const out: DepDevice[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = obj(await client.json('GET', `/mdm/apple/enrollments/${enrollmentId}/dep/devices`, { query: { cursor } }), 'response');
    out.push(...arr(res['devices'], 'devices').map(toDevice));
    const next = str(res['cursor']);
    if (res['more_to_follow'] !== true || next === '' || next === cursor) {
      return out;
    }
    cursor = next;
  }
  return out;
}

export async function syncDepProfiles(client: FleetClient, enrollmentId: number): Promise<DepSyncResult> {
  const res = obj(await client.json('POST', `/mdm/apple/enrollments/${enrollmentId}/dep/sync`), 'response');
  const failed: Record<string, string> = {};
  const f = res['failed'];
  if (f !== null && typeof f === 'object' && !Array.isArray(f)) {
    for (const [k, v] of Object.entries(f as Record<string, unknown>)) {
      failed[k] = str(v);
    }
  }
  return { assigned: arr(res['assigned'], 'assigned').map(str), failed };
}
