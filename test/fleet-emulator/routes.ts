/**
 * The emulated endpoints, with Fleet's validation rules and error JSON. Paths here are relative to
 * `/api/{v1,latest}/fleet`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parse as parsePlist } from 'plist';
import { validateMobileconfig, ProfileRuleError, RESERVED_IDENTIFIERS, FILEVAULT_MESSAGE, SIGNED_MESSAGE } from '../../src/mdm/profile.js';
import { fleetErrors, HttpError, readForm, readJson } from './http-util.js';
import type { EmulatorState, EmuEnrollment, EmuUser } from './state.js';

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly params: readonly string[];
  readonly state: EmulatorState;
  /** The authenticated user (undefined only on unauthenticated routes). */
  readonly user: EmuUser | undefined;
  readonly token: string | undefined;
  readonly baseUrl: string;
  readonly depPageSize: number;
}

export interface RouteResult {
  readonly status?: number;
  readonly body: unknown;
}

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly auth: boolean;
  /** Needs a global admin (Fleet's MDM plan: global admins only). */
  readonly admin?: boolean;
  readonly handle: (c: RouteContext) => Promise<RouteResult> | RouteResult;
}

const APPLE = ['darwin', 'ios', 'ipados'];

function enrollmentJson(e: EmuEnrollment, base: string): Record<string, unknown> {
  return { id: e.id, name: e.name, dep_config: e.dep_config, url: `${base}/api/mdm/apple/enroll?id=${e.id}` };
}

function findEnrollment(c: RouteContext): EmuEnrollment {
  const id = Number(c.params[0]);
  const e = c.state.enrollments.find((x) => x.id === id);
  if (e === undefined) {
    throw fleetErrors.notFound(`enrollment ${c.params[0] ?? ''} was not found in the datastore`);
  }
  return e;
}

function requireDep(e: EmuEnrollment, needToken: boolean): void {
  if (e.dep_config === null) {
    throw fleetErrors.validation('enrollment_id', `enrollment ${e.id} is not a DEP enrollment`);
  }
  if (needToken && e.depToken === null) {
    throw fleetErrors.validation('enrollment_id', `enrollment ${e.id} has no DEP token`);
  }
}

const login: Route = {
  method: 'POST',
  pattern: /^\/login$/,
  auth: false,
  handle: async (c) => {
    const body = await readJson(c.req);
    const email = typeof body['email'] === 'string' ? body['email'] : '';
    const password = typeof body['password'] === 'string' ? body['password'] : '';
    if (email === '' || password === '') {
      throw fleetErrors.validation(email === '' ? 'email' : 'password', 'missing required argument');
    }
    const user = c.state.users.find((u) => u.email === email && u.password === password);
    if (user === undefined) {
      throw new HttpError(401, 'Authentication failed', 'Authentication failed');
    }
    const token = c.state.newSession(user.id);
    return {
      body: { user: { id: user.id, name: user.name, email: user.email, global_role: user.globalRole }, available_teams: [], token },
    };
  },
};

const logout: Route = {
  method: 'POST',
  pattern: /^\/logout$/,
  auth: true,
  handle: (c) => {
    if (c.token !== undefined) {
      c.state.sessions.delete(c.token);
    }
    return { body: {} };
  },
};

const version: Route = {
  method: 'GET',
  pattern: /^\/version$/,
  auth: true,
  handle: () => ({ body: { version: '4.99.0-emulator', branch: 'main' } }),
};

const listEnrollments: Route = {
  method: 'GET',
  pattern: /^\/mdm\/apple\/enrollments$/,
  auth: true,
  admin: true,
  handle: (c) => ({ body: { enrollments: c.state.enrollments.map((e) => enrollmentJson(e, c.baseUrl)) } }),
};

const createEnrollment: Route = {
  method: 'POST',
  pattern: /^\/mdm\/apple\/enrollments$/,
  auth: true,
  admin: true,
  handle: async (c) => {
    const body = await readJson(c.req);
    const name = typeof body['name'] === 'string' ? body['name'].trim() : '';
    if (name === '') {
      throw fleetErrors.validation('name', 'enrollment name cannot be empty');
    }
    const dep = body['dep_config'];
    if (dep !== null && dep !== undefined && (typeof dep !== 'object' || Array.isArray(dep))) {
      throw fleetErrors.validation('dep_config', 'dep_config must be a JSON object or null');
    }
    if (c.state.enrollments.some((e) => e.name === name)) {
      throw fleetErrors.exists(`enrollment "${name}" already exists`);
    }
    const e = c.state.addEnrollment(name, (dep ?? null) as Record<string, unknown> | null);
    return { body: { enrollment: enrollmentJson(e, c.baseUrl) } };
  },
};

const setDepToken: Route = {
  method: 'POST',
  pattern: /^\/mdm\/apple\/enrollments\/([0-9]+)\/dep_token$/,
  auth: true,
  admin: true,
  handle: async (c) => {
    const e = findEnrollment(c);
    requireDep(e, false);
    const body = await readJson(c.req);
    const t = body['token'];
    if (t === null || typeof t !== 'object' || Array.isArray(t)) {
      throw fleetErrors.validation('token', 'missing DEP token');
    }
    const tok = t as Record<string, unknown>;
    const s = (k: string): string => (typeof tok[k] === 'string' ? tok[k] : '');
    for (const k of ['consumer_key', 'consumer_secret', 'access_token', 'access_secret']) {
      if (s(k) === '') {
        throw fleetErrors.validation(`token.${k}`, `${k} cannot be empty`);
      }
    }
    const expiry = s('access_token_expiry');
    if (expiry !== '' && Number.isNaN(Date.parse(expiry))) {
      throw fleetErrors.validation('token.access_token_expiry', 'access_token_expiry must be an RFC 3339 time');
    }
    if (e.depToken !== null && e.depToken.consumer_key !== s('consumer_key')) {
      // nanodep refuses to swap the consumer key of an existing DEP name without force.
      throw fleetErrors.conflict('the token belongs to a different Apple Business Manager MDM server (consumer_key mismatch)');
    }
    e.depToken = {
      consumer_key: s('consumer_key'),
      consumer_secret: s('consumer_secret'),
      access_token: s('access_token'),
      access_secret: s('access_secret'),
      access_token_expiry: expiry,
    };
    return { body: {} };
  },
};

const depDevices: Route = {
  method: 'GET',
  pattern: /^\/mdm\/apple\/enrollments\/([0-9]+)\/dep\/devices$/,
  auth: true,
  admin: true,
  handle: (c) => {
    const e = findEnrollment(c);
    requireDep(e, true);
    const cursor = c.url.searchParams.get('cursor');
    let offset = 0;
    if (cursor !== null && cursor !== '') {
      const m = /^c([0-9]+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (m === null) {
        throw fleetErrors.badRequest('INVALID_CURSOR');
      }
      offset = Number(m[1]);
    }
    const page = e.devices.slice(offset, offset + c.depPageSize);
    const next = offset + page.length;
    const devices = page.map(({ failAssign: _f, ...d }) => d);
    return { body: { devices, cursor: Buffer.from(`c${next}`).toString('base64url'), more_to_follow: next < e.devices.length } };
  },
};

const depSync: Route = {
  method: 'POST',
  pattern: /^\/mdm\/apple\/enrollments\/([0-9]+)\/dep\/sync$/,
  auth: true,
  admin: true,
  handle: (c) => {
    const e = findEnrollment(c);
    requireDep(e, true);
    const assigned: string[] = [];
    const failed: Record<string, string> = {};
    for (const d of e.devices) {
      if (d.profile_status !== 'empty') {
        continue;
      }
      if (d.failAssign !== undefined) {
        failed[d.serial_number] = d.failAssign;
        continue;
      }
      d.profile_status = 'assigned';
      d.profile_uuid = e.depProfileUuid;
      d.profile_assign_time = c.state.now();
      assigned.push(d.serial_number);
    }
    return { body: { assigned, failed } };
  },
};

const getHost: Route = {
  method: 'GET',
  pattern: /^\/hosts\/([0-9]+)$/,
  auth: true,
  handle: (c) => {
    const h = c.state.hosts.find((x) => x.id === Number(c.params[0]));
    if (h === undefined) {
      throw fleetErrors.notFound('Host was not found in the datastore');
    }
    return { body: { host: { id: h.id, uuid: h.uuid, hostname: h.hostname, platform: h.platform, mdm: h.mdm } } };
  },
};

function decodeCommand(b64: string): { uuid: string; requestType: string } {
  const norm = b64.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(norm) || norm.length % 4 === 1) {
    throw fleetErrors.badRequest('unable to decode base64 command');
  }
  let v: unknown;
  try {
    v = parsePlist(Buffer.from(norm, 'base64').toString('utf8'));
  } catch {
    throw fleetErrors.status(415, 'unable to decode plist command', 'command');
  }
  const o = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const cmd = o['Command'] !== null && typeof o['Command'] === 'object' ? (o['Command'] as Record<string, unknown>) : {};
  const uuid = typeof o['CommandUUID'] === 'string' ? o['CommandUUID'] : '';
  const requestType = typeof cmd['RequestType'] === 'string' ? cmd['RequestType'] : '';
  if (uuid === '' || requestType === '') {
    throw fleetErrors.status(415, 'unable to decode plist command', 'command');
  }
  return { uuid, requestType };
}

const runCommand: Route = {
  method: 'POST',
  pattern: /^\/(?:mdm\/)?commands\/run$/,
  auth: true,
  admin: true,
  handle: async (c) => {
    const body = await readJson(c.req);
    const b64 = typeof body['command'] === 'string' ? body['command'] : '';
    const uuids = Array.isArray(body['host_uuids'])
      ? (body['host_uuids'] as unknown[]).filter((x): x is string => typeof x === 'string')
      : [];
    if (b64 === '') {
      throw fleetErrors.validation('command', 'command cannot be empty');
    }
    if (uuids.length === 0) {
      throw fleetErrors.validation('host_uuids', 'no hosts targeted');
    }
    const { uuid, requestType } = decodeCommand(b64);
    const hosts = uuids.map((u) => c.state.hosts.find((h) => h.uuid === u));
    if (hosts.some((h) => h === undefined)) {
      throw fleetErrors.notFound('No hosts targeted. Make sure you provide a valid UUID.');
    }
    const found = hosts.filter((h): h is NonNullable<typeof h> => h !== undefined);
    if (new Set(found.map((h) => (APPLE.includes(h.platform) ? 'apple' : h.platform))).size > 1) {
      throw fleetErrors.validation('host_uuids', 'All hosts must be on the same platform.');
    }
    const off = found.filter((h) => !(h.mdm.enrollment_status ?? '').startsWith('On') || h.mdm.name !== 'Fleet');
    if (off.length > 0) {
      throw fleetErrors.status(
        412,
        `at least one of the hosts is not enrolled in MDM or is not an elegible device: ${off.map((h) => h.uuid).join(', ')}`,
        'host_uuids',
      );
    }
    if (c.state.commands.some((x) => x.command_uuid === uuid)) {
      throw fleetErrors.exists(`command ${uuid} already exists`);
    }
    for (const h of found) {
      c.state.commands.push({
        host_uuid: h.uuid,
        command_uuid: uuid,
        status: 'Pending',
        updated_at: c.state.now(),
        request_type: requestType,
        hostname: h.hostname,
        payload: Buffer.from(b64, 'base64').toString('base64'),
        result: '',
      });
    }
    return { body: { command_uuid: uuid, request_type: requestType, platform: found[0]?.platform ?? 'darwin' } };
  },
};

const listCommands: Route = {
  method: 'GET',
  pattern: /^\/(?:mdm\/)?commands$/,
  auth: true,
  handle: (c) => {
    const q = c.url.searchParams;
    const orderKey = q.get('order_key') ?? '';
    if (orderKey !== '' && !['updated_at', 'command_uuid', 'status', 'request_type'].includes(orderKey)) {
      throw fleetErrors.validation('order_key', `invalid order key: ${orderKey}`);
    }
    const perPage = Number(q.get('per_page') ?? '20');
    const page = Number(q.get('page') ?? '0');
    if (!Number.isInteger(perPage) || perPage < 1 || !Number.isInteger(page) || page < 0) {
      throw fleetErrors.badRequest('invalid page or per_page');
    }
    const host = q.get('host_identifier') ?? '';
    const type = q.get('request_type') ?? '';
    let list = c.state.commands.filter(
      (x) => (host === '' || x.host_uuid === host || x.hostname === host) && (type === '' || x.request_type === type),
    );
    list = [...list].sort((a, b) => (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0));
    if (q.get('order_direction') === 'asc') {
      list.reverse();
    }
    const results = list.slice(page * perPage, (page + 1) * perPage).map(({ payload: _p, result: _r, ...s }) => s);
    return { body: { results } };
  },
};

const commandResults: Route = {
  method: 'GET',
  pattern: /^\/(?:commands\/results|mdm\/commandresults)$/,
  auth: true,
  handle: (c) => {
    const uuid = c.url.searchParams.get('command_uuid') ?? '';
    const list = c.state.commands.filter((x) => x.command_uuid === uuid);
    if (list.length === 0) {
      throw fleetErrors.notFound(`command ${uuid} was not found in the datastore`);
    }
    return { body: { results: list } };
  },
};

/** Fleet's messages that come back as 400 "failed to parse config profile" rather than 422. */
function isParseFailure(msg: string): boolean {
  return /^(invalid PayloadType|empty PayloadIdentifier|empty PayloadDisplayName|invalid PayloadScope|failed to parse|mobileconfig is not XML)/.test(
    msg,
  );
}

const createProfile: Route = {
  method: 'POST',
  pattern: /^\/configuration_profiles$/,
  auth: true,
  admin: true,
  handle: async (c) => {
    const form = await readForm(c.req);
    const file = form.get('profile');
    if (file === null || typeof file === 'string') {
      throw fleetErrors.badRequest('no file headers for profile');
    }
    const teamRaw = form.get('team_id');
    let teamId = 0;
    if (typeof teamRaw === 'string' && teamRaw !== '') {
      if (!/^[0-9]+$/.test(teamRaw)) {
        throw fleetErrors.badRequest(`failed to decode team_id in multipart form: strconv.Atoi: parsing "${teamRaw}": invalid syntax`);
      }
      teamId = Number(teamRaw);
    }
    const bytes = Buffer.from(await file.arrayBuffer());
    let parsed;
    try {
      parsed = validateMobileconfig(bytes);
    } catch (e) {
      if (!(e instanceof ProfileRuleError)) {
        throw e;
      }
      if (e.message === SIGNED_MESSAGE || e.message === FILEVAULT_MESSAGE) {
        throw fleetErrors.validation('profile', e.message);
      }
      if (isParseFailure(e.message)) {
        throw fleetErrors.badRequest(`failed to parse config profile: new MDMAppleConfigProfile: ${e.message}`);
      }
      throw fleetErrors.validation('profile', e.message);
    }
    const team = c.state.profiles.filter((p) => p.team_id === teamId);
    if (team.some((p) => p.name === parsed.displayName)) {
      throw fleetErrors.exists(
        "Couldn't add. A configuration profile with this name already exists (PayloadDisplayName for .mobileconfig and file name for .json and .xml).",
      );
    }
    if (team.some((p) => p.identifier === parsed.identifier)) {
      throw fleetErrors.exists("Couldn't add. A configuration profile with this identifier (PayloadIdentifier) already exists.");
    }
    const now = c.state.now();
    const profile = {
      profile_uuid: `a${randomUUID()}`,
      team_id: teamId,
      name: parsed.displayName,
      platform: 'darwin',
      identifier: parsed.identifier,
      created_at: now,
      updated_at: now,
      checksum: createHash('md5').update(bytes).digest('base64'),
      mobileconfig: bytes,
    };
    c.state.profiles.push(profile);
    return { body: { profile_uuid: profile.profile_uuid } };
  },
};

const listProfiles: Route = {
  method: 'GET',
  pattern: /^\/configuration_profiles$/,
  auth: true,
  handle: (c) => {
    const q = c.url.searchParams;
    const teamId = Number(q.get('team_id') ?? '0');
    const perPage = Number(q.get('per_page') ?? '0');
    const page = Number(q.get('page') ?? '0');
    const all = c.state.profiles.filter((p) => p.team_id === teamId).sort((a, b) => a.name.localeCompare(b.name));
    const slice = perPage > 0 ? all.slice(page * perPage, (page + 1) * perPage) : all;
    const hasNext = perPage > 0 && (page + 1) * perPage < all.length;
    return {
      body: {
        profiles: slice.map(({ mobileconfig: _m, ...p }) => ({
          ...p,
          labels_include_all: [],
          labels_include_any: [],
          labels_exclude_any: [],
        })),
        meta: { has_next_results: hasNext, has_previous_results: page > 0 },
      },
    };
  },
};

const deleteProfile: Route = {
  method: 'DELETE',
  pattern: /^\/configuration_profiles\/([^/]+)$/,
  auth: true,
  admin: true,
  handle: (c) => {
    const uuid = decodeURIComponent(c.params[0] ?? '');
    const p = c.state.profiles.find((x) => x.profile_uuid === uuid);
    if (p === undefined) {
      throw fleetErrors.notFound(`Profile ${uuid} was not found in the datastore`);
    }
    if (RESERVED_IDENTIFIERS.includes(p.identifier)) {
      throw fleetErrors.badRequest("profiles managed by Fleet can't be deleted using this endpoint.");
    }
    c.state.profiles = c.state.profiles.filter((x) => x !== p);
    return { body: {} };
  },
};

export const ROUTES: readonly Route[] = [
  login,
  logout,
  version,
  listEnrollments,
  createEnrollment,
  setDepToken,
  depDevices,
  depSync,
  getHost,
  runCommand,
  listCommands,
  commandResults,
  createProfile,
  listProfiles,
  deleteProfile,
];
