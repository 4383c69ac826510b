/** Configuration profiles: `POST/GET /configuration_profiles`, `DELETE /configuration_profiles/{uuid}`. */
import { FormData, type FleetClient } from './client.js';
import { arr, obj, str } from './decode.js';
import type { Profile } from './types.js';

export async function createProfile(client: FleetClient, fileName: string, content: Uint8Array, teamId?: number): Promise<string> {
  const form = new FormData();
  form.append('profile', new Blob([content], { type: 'application/octet-stream' }), fileName);
  if (teamId !== undefined) {
    form.append('team_id', String(teamId));
  }
  const res = obj(await client.json('POST', '/configuration_profiles', { form }), 'response');
  return str(res['profile_uuid']);
}

function toProfile(v: unknown): Profile {
  const o = obj(v, 'profile');
  return {
    profile_uuid: str(o['profile_uuid']),
    team_id: typeof o['team_id'] === 'number' ? o['team_id'] : 0,
    name: str(o['name']),
    platform: str(o['platform']),
    identifier: str(o['identifier']),
    created_at: str(o['created_at']),
    updated_at: str(o['updated_at']),
    checksum: str(o['checksum']),
  };
}

/** Reads every page (`meta.has_next_results`). */
export async function listProfiles(client: FleetClient, teamId?: number, perPage = 100, maxPages = 10_000): Promise<Profile[]> {
  const out: Profile[] = [];
  for (let page = 0; page < maxPages; page++) {
    const res = obj(
      await client.json('GET', '/configuration_profiles', { query: { team_id: teamId, page, per_page: perPage } }),
      'response',
    );
    out.push(...arr(res['profiles'], 'profiles').map(toProfile));
    const meta = res['meta'] !== null && typeof res['meta'] === 'object' ? (res['meta'] as Record<string, unknown>) : {};
    if (meta['has_next_results'] !== true) {
      return out;
    }
  }
  return out;
}

export async function deleteProfile(client: FleetClient, uuid: string): Promise<void> {
  await client.json('DELETE', `/configuration_profiles/${encodeURIComponent(uuid)}`);
}
