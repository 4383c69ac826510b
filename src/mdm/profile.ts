/**
 * Configuration profile (`.mobileconfig`) checks, following Fleet's server-side rules
 * (server/mdm/apple/mobileconfig and server/fleet), so a bad profile is rejected before upload with
 * the same words Fleet would use. Signed (PKCS#7) profiles are refused as current Fleet does: Fleet
 * signs profiles itself.
 */
import { isDict, readPlist, PlistParseError, type PlistDict, type PlistValue } from './plist.js';

export const RESERVED_IDENTIFIERS: readonly string[] = [
  'com.fleetdm.fleet.mdm.filevault',
  'com.fleetdm.fleetd.config',
  'com.fleetdm.caroot',
];
export const RESERVED_NAMES: readonly string[] = [
  'Fleetd configuration',
  'Disk encryption',
  'Windows OS Updates',
  'Fleet macOS OS Updates',
  'Fleet iOS OS Updates',
  'Fleet iPadOS OS Updates',
  'Fleet root certificate authority (CA)',
];
const FILEVAULT_TYPES = new Set(['com.apple.MCX.FileVault2', 'com.apple.security.FDERecoveryKeyEscrow']);
const UNSUPPORTED_TYPES = new Set(['com.apple.security.FDERecoveryRedirect']);

export const FILEVAULT_MESSAGE =
  "Couldn't add. The configuration profile can't include FileVault settings. To control these settings use disk encryption endpoint.";
export const SIGNED_MESSAGE = "Couldn't add. Configuration profiles can't be signed. Fleet will sign the profile for you.";

export interface ParsedProfile {
  readonly identifier: string;
  readonly displayName: string;
  readonly scope: 'System' | 'User';
}

/** A profile Fleet would reject; `message` is Fleet's text. */
export class ProfileRuleError extends Error {}

function s(v: PlistValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** Whether an `com.apple.MCX` payload carries FileVault options (the `dontAllowFDE*` keys). */
function hasFileVaultOptions(p: PlistDict): boolean {
  return Object.keys(p).some((k) => k.startsWith('dontAllowFDE'));
}

function screenPayloadContent(content: PlistValue | undefined): void {
  if (!Array.isArray(content)) {
    // Empty or encrypted PayloadContent is allowed, as in Fleet.
    return;
  }
  const badTypes: string[] = [];
  const badIds: string[] = [];
  const badNames: string[] = [];
  let fileVault = false;
  for (const item of content) {
    if (!isDict(item)) {
      continue;
    }
    const type = s(item['PayloadType']);
    if (FILEVAULT_TYPES.has(type) || (type === 'com.apple.MCX' && hasFileVaultOptions(item))) {
      fileVault = true;
    } else if (UNSUPPORTED_TYPES.has(type)) {
      badTypes.push(type);
    }
    const id = s(item['PayloadIdentifier']);
    if (RESERVED_IDENTIFIERS.includes(id)) {
      badIds.push(id);
    }
    const name = s(item['PayloadDisplayName']);
    if (RESERVED_NAMES.includes(name)) {
      badNames.push(name);
    }
  }
  if (fileVault) {
    throw new ProfileRuleError(FILEVAULT_MESSAGE);
  }
  if (badTypes.length > 0) {
    throw new ProfileRuleError(`unsupported PayloadType(s): ${badTypes.join(', ')}`);
  }
  if (badIds.length > 0) {
    throw new ProfileRuleError(`unsupported PayloadIdentifier(s): ${badIds.join(', ')}`);
  }
  if (badNames.length > 0) {
    throw new ProfileRuleError(`unsupported PayloadDisplayName(s): ${badNames.join(', ')}`);
  }
}

/** Applies Fleet's rules in Fleet's order; throws ProfileRuleError with Fleet's message. */
export function validateMobileconfig(bytes: Uint8Array): ParsedProfile {
  const text = Buffer.from(bytes)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (!text.trimStart().startsWith('<?xml')) {
    // Fleet treats anything that is not XML as a PKCS#7-signed profile (DER SEQUENCE, 0x30).
    if (bytes[0] === 0x30) {
      throw new ProfileRuleError(SIGNED_MESSAGE);
    }
    throw new ProfileRuleError('mobileconfig is not XML nor PKCS7 parseable');
  }
  let root: PlistValue;
  try {
    root = readPlist(bytes);
  } catch (e) {
    throw new ProfileRuleError(`failed to parse config profile: ${e instanceof PlistParseError ? e.message : String(e)}`);
  }
  if (!isDict(root)) {
    throw new ProfileRuleError('failed to parse config profile: the top level is not a dictionary');
  }
  const type = s(root['PayloadType']);
  if (type !== 'Configuration') {
    throw new ProfileRuleError(`invalid PayloadType: ${type}`);
  }
  const identifier = s(root['PayloadIdentifier']);
  if (identifier === '') {
    throw new ProfileRuleError('empty PayloadIdentifier in profile');
  }
  const displayName = s(root['PayloadDisplayName']);
  if (displayName === '') {
    throw new ProfileRuleError('empty PayloadDisplayName in profile');
  }
  const scopeRaw = s(root['PayloadScope']);
  if (scopeRaw !== '' && scopeRaw !== 'System' && scopeRaw !== 'User') {
    throw new ProfileRuleError(`invalid PayloadScope: ${scopeRaw}`);
  }
  if (RESERVED_IDENTIFIERS.includes(identifier)) {
    throw new ProfileRuleError(`payload identifier ${identifier} is not allowed`);
  }
  if (RESERVED_NAMES.includes(displayName)) {
    throw new ProfileRuleError(`payload display name ${displayName} is not allowed`);
  }
  screenPayloadContent(root['PayloadContent']);
  return { identifier, displayName, scope: scopeRaw === 'User' ? 'User' : 'System' };
}
