/**
 * In-memory state of the Fleet API emulator: users and sessions, enrollments with their DEP token
 * and devices, hosts, MDM commands and results, configuration profiles. Tests read and change it
 * directly (e.g. to play a device acknowledging a command).
 */
import { randomBytes, randomUUID } from 'node:crypto';

export interface EmuUser {
  id: number;
  name: string;
  email: string;
  password: string;
  globalRole: 'admin' | 'maintainer' | 'observer';
}

export interface EmuDepToken {
  consumer_key: string;
  consumer_secret: string;
  access_token: string;
  access_secret: string;
  access_token_expiry: string;
}

export interface EmuDepDevice {
  serial_number: string;
  model: string;
  description: string;
  color: string;
  asset_tag: string;
  os: string;
  device_family: string;
  profile_status: 'empty' | 'assigned' | 'pushed' | 'removed';
  profile_uuid: string;
  profile_assign_time: string;
  profile_push_time: string;
  device_assigned_date: string;
  device_assigned_by: string;
  /** When set, `dep/sync` reports this Apple status for the device instead of assigning it. */
  failAssign?: string;
}

export interface EmuEnrollment {
  id: number;
  name: string;
  dep_config: Record<string, unknown> | null;
  depToken: EmuDepToken | null;
  depProfileUuid: string;
  devices: EmuDepDevice[];
}

export interface EmuHost {
  id: number;
  uuid: string;
  hostname: string;
  platform: string;
  mdm: { enrollment_status: string | null; name: string };
}

export interface EmuCommandResult {
  host_uuid: string;
  command_uuid: string;
  status: string;
  updated_at: string;
  request_type: string;
  hostname: string;
  payload: string;
  result: string;
}

export interface EmuProfile {
  profile_uuid: string;
  team_id: number;
  name: string;
  platform: string;
  identifier: string;
  created_at: string;
  updated_at: string;
  checksum: string;
  mobileconfig: Buffer;
}

export class EmulatorState {
  users: EmuUser[] = [];
  /** token → user id */
  sessions = new Map<string, number>();
  enrollments: EmuEnrollment[] = [];
  hosts: EmuHost[] = [];
  commands: EmuCommandResult[] = [];
  profiles: EmuProfile[] = [];
  private nextEnrollmentId = 1;
  private clock = Date.parse('2024-05-01T10:00:00Z');

  /** A monotonic fake clock, so ordering by updated_at is deterministic. */
  now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace('.000Z', 'Z');
  }

  addUser(u: Omit<EmuUser, 'id'>): EmuUser {
    const user = { ...u, id: this.users.length + 1 };
    this.users.push(user);
    return user;
  }

  newSession(userId: number): string {
    const token = randomBytes(24).toString('base64');
    this.sessions.set(token, userId);
    return token;
  }

  addEnrollment(name: string, dep: Record<string, unknown> | null): EmuEnrollment {
    const e: EmuEnrollment = {
      id: this.nextEnrollmentId++,
      name,
      dep_config: dep,
      depToken: null,
      depProfileUuid: dep === null ? '' : randomUUID().replace(/-/g, '').toUpperCase(),
      devices: [],
    };
    this.enrollments.push(e);
    return e;
  }

  addHost(h: Omit<EmuHost, 'id'>): EmuHost {
    const host = { ...h, id: this.hosts.length + 1 };
    this.hosts.push(host);
    return host;
  }

  addDepDevice(enrollment: EmuEnrollment, serial: string, extra: Partial<EmuDepDevice> = {}): EmuDepDevice {
    const d: EmuDepDevice = {
      serial_number: serial,
      model: 'MacBook Pro',
      description: 'MBP 14 SPG 16GB',
      color: 'SPACE GRAY',
      asset_tag: '',
      os: 'OSX',
      device_family: 'Mac',
      profile_status: 'empty',
      profile_uuid: '',
      profile_assign_time: '',
      profile_push_time: '',
      device_assigned_date: this.now(),
      device_assigned_by: 'admin@example.com',
      ...extra,
    };
    enrollment.devices.push(d);
    return d;
  }

  /** Plays a device answering a command at its next check-in. */
  acknowledge(
    commandUuid: string,
    hostUuid: string,
    status: 'Acknowledged' | 'Error' | 'NotNow' | 'CommandFormatError',
    resultXml: string,
  ): void {
    const c = this.commands.find((x) => x.command_uuid === commandUuid && x.host_uuid === hostUuid);
    if (c === undefined) {
      throw new Error(`no command ${commandUuid} for host ${hostUuid}`);
    }
    c.status = status;
    c.updated_at = this.now();
    c.result = Buffer.from(resultXml, 'utf8').toString('base64');
  }
}

/** The state a fresh emulator starts with: an admin, an observer, three hosts. */
export function seedState(state: EmulatorState, opts: { adminEmail: string; adminPassword: string }): void {
  state.addUser({ name: 'Admin', email: opts.adminEmail, password: opts.adminPassword, globalRole: 'admin' });
  state.addUser({ name: 'Observer', email: 'observer@example.com', password: 'observer-password-1!', globalRole: 'observer' });
  state.addHost({
    uuid: 'A1B2C3D4-0000-4000-8000-000000000001',
    hostname: 'mac-1.local',
    platform: 'darwin',
    mdm: { enrollment_status: 'On (automatic)', name: 'Fleet' },
  });
  state.addHost({
    uuid: 'A1B2C3D4-0000-4000-8000-000000000002',
    hostname: 'mac-2.local',
    platform: 'darwin',
    mdm: { enrollment_status: 'Off', name: '' },
  });
  state.addHost({
    uuid: 'A1B2C3D4-0000-4000-8000-000000000003',
    hostname: 'win-1',
    platform: 'windows',
    mdm: { enrollment_status: 'On (manual)', name: 'Fleet' },
  });
  state.addHost({
    uuid: 'A1B2C3D4-0000-4000-8000-000000000004',
    hostname: 'ipad-1',
    platform: 'ipados',
    mdm: { enrollment_status: 'On (manual)', name: 'Fleet' },
  });
}
