/**
 * The `POST /create` body, checked field by field so a bad request gets a 400 naming the field.
 * Field names are the API's (a mix of snake_case and flag-style names, as designed). Unknown
 * fields are rejected rather than ignored: a typo such as `fleet-url` must not silently build an
 * installer without the intended setting. The TUF source is not a field: the server fixes it.
 */
import { PACKAGE_TYPES, type PackageType } from '../packaging/types.js';

export class BadRequest extends Error {
  constructor(
    readonly field: string | undefined,
    message: string,
    readonly status: 400 | 413 | 415 = 400,
  ) {
    super(message);
  }
}

export interface CreateBody {
  readonly type: PackageType;
  readonly fleetUrl: string;
  readonly enrollSecret: string;
  readonly retry: boolean;
  /** PEM chain content, not a path. */
  readonly fleetCertificate?: string;
  readonly insecure: boolean;
  readonly osquerydChannel?: string;
  readonly desktopChannel?: string;
  readonly orbitChannel?: string;
  readonly disableUpdates: boolean;
  readonly debug: boolean;
  readonly fleetDesktop: boolean;
  readonly updateInterval?: string;
  /** Flagfile content, not a path. */
  readonly osqueryFlagfile?: string;
  readonly service: boolean;
}

const FIELDS = [
  'type',
  'fleet_url',
  'enroll_secret',
  'retry',
  'fleet-certificate',
  'insecure',
  'osqueryd-channel',
  'desktop-channel',
  'orbit-channel',
  'disable-updates',
  'debug',
  'fleet-desktop',
  'update-interval',
  'osquery-flagfile',
  'service',
] as const;

const MAX_TEXT = 64 * 1024;

export function parseCreateBody(value: unknown): CreateBody {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequest(undefined, 'the body must be a JSON object');
  }
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(FIELDS as readonly string[]).includes(k)) {
      throw new BadRequest(k, `unknown field "${k.slice(0, 64)}"`);
    }
  }
  const str = (k: (typeof FIELDS)[number], required: boolean, max = 2048): string | undefined => {
    const v = o[k];
    if (v === undefined || v === null) {
      if (required) {
        throw new BadRequest(k, `${k} is required`);
      }
      return undefined;
    }
    if (typeof v !== 'string') {
      throw new BadRequest(k, `${k} must be a string`);
    }
    if (required && v.trim() === '') {
      throw new BadRequest(k, `${k} must not be empty`);
    }
    if (v.length > max) {
      throw new BadRequest(k, `${k} is longer than ${max} characters`);
    }
    return v;
  };
  const bool = (k: (typeof FIELDS)[number], dflt: boolean): boolean => {
    const v = o[k];
    if (v === undefined || v === null) {
      return dflt;
    }
    if (typeof v !== 'boolean') {
      throw new BadRequest(k, `${k} must be true or false`);
    }
    return v;
  };
  const type = str('type', true, 16) as string;
  if (!(PACKAGE_TYPES as readonly string[]).includes(type)) {
    throw new BadRequest('type', `type must be one of ${PACKAGE_TYPES.join(', ')}`);
  }
  const opt = <K extends string>(k: K, v: string | undefined): { [P in K]?: string } =>
    v === undefined ? {} : ({ [k]: v } as { [P in K]?: string });
  const certificate = str('fleet-certificate', false, MAX_TEXT);
  if (certificate !== undefined && !/-----BEGIN [A-Z0-9 ]+-----[\s\S]+?-----END [A-Z0-9 ]+-----/.test(certificate)) {
    throw new BadRequest('fleet-certificate', 'fleet-certificate must be a PEM certificate chain');
  }
  return {
    type: type as PackageType,
    fleetUrl: str('fleet_url', true) as string,
    enrollSecret: str('enroll_secret', true, 1024) as string,
    retry: bool('retry', false),
    ...opt('fleetCertificate', certificate),
    insecure: bool('insecure', false),
    ...opt('osquerydChannel', str('osqueryd-channel', false, 128)),
    ...opt('desktopChannel', str('desktop-channel', false, 128)),
    ...opt('orbitChannel', str('orbit-channel', false, 128)),
    disableUpdates: bool('disable-updates', false),
    debug: bool('debug', false),
    fleetDesktop: bool('fleet-desktop', false),
    ...opt('updateInterval', str('update-interval', false, 64)),
    ...opt('osqueryFlagfile', str('osquery-flagfile', false, MAX_TEXT)),
    service: bool('service', true),
  };
}
