import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { build } from 'plist';
import type { PlistValue } from 'plist';
import { FILEVAULT_MESSAGE, SIGNED_MESSAGE, validateMobileconfig } from '../../../src/mdm/profile.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../../fixtures/mdm/${name}`, import.meta.url));

function profile(over: Record<string, PlistValue | undefined>, content: PlistValue[] = []): Buffer {
  const base: Record<string, PlistValue> = {
    PayloadContent: content,
    PayloadDisplayName: 'Wi-Fi',
    PayloadIdentifier: 'com.example.wifi',
    PayloadType: 'Configuration',
    PayloadUUID: '11111111-2222-3333-4444-555555555555',
    PayloadVersion: 1,
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) {
      delete base[k];
    } else {
      base[k] = v;
    }
  }
  return Buffer.from(build(base));
}

describe('validateMobileconfig (Fleet rules)', () => {
  it('accepts a valid profile', () => {
    expect(validateMobileconfig(fixture('passcode.mobileconfig'))).toEqual({
      identifier: 'com.example.passcode',
      displayName: 'Passcode',
      scope: 'System',
    });
    expect(validateMobileconfig(profile({ PayloadScope: 'User' })).scope).toBe('User');
  });

  const rules: Array<[string, Buffer, string]> = [
    ['PayloadType', profile({ PayloadType: 'Other' }), 'invalid PayloadType: Other'],
    ['PayloadIdentifier', profile({ PayloadIdentifier: undefined }), 'empty PayloadIdentifier in profile'],
    ['PayloadDisplayName', profile({ PayloadDisplayName: '' }), 'empty PayloadDisplayName in profile'],
    ['PayloadScope', profile({ PayloadScope: 'Everyone' }), 'invalid PayloadScope: Everyone'],
    [
      'reserved identifier',
      profile({ PayloadIdentifier: 'com.fleetdm.fleetd.config' }),
      'payload identifier com.fleetdm.fleetd.config is not allowed',
    ],
    ['reserved name', profile({ PayloadDisplayName: 'Disk encryption' }), 'payload display name Disk encryption is not allowed'],
    ['FileVault', fixture('filevault.mobileconfig'), FILEVAULT_MESSAGE],
    ['MCX FileVault options', profile({}, [{ PayloadType: 'com.apple.MCX', dontAllowFDEDisable: true }]), FILEVAULT_MESSAGE],
    [
      'FDERecoveryRedirect',
      profile({}, [{ PayloadType: 'com.apple.security.FDERecoveryRedirect' }]),
      'unsupported PayloadType(s): com.apple.security.FDERecoveryRedirect',
    ],
    [
      'inner reserved identifier',
      profile({}, [{ PayloadType: 'x', PayloadIdentifier: 'com.fleetdm.caroot' }]),
      'unsupported PayloadIdentifier(s): com.fleetdm.caroot',
    ],
    [
      'inner reserved name',
      profile({}, [{ PayloadType: 'x', PayloadDisplayName: 'Fleetd configuration' }]),
      'unsupported PayloadDisplayName(s): Fleetd configuration',
    ],
    ['signed', Buffer.from([0x30, 0x82, 0x01, 0x00, 0x06]), SIGNED_MESSAGE],
    ['not XML', Buffer.from('{"a":1}'), 'mobileconfig is not XML nor PKCS7 parseable'],
  ];
  for (const [name, bytes, message] of rules) {
    it(`rejects: ${name}`, () => {
      expect(() => validateMobileconfig(bytes)).toThrow(message);
    });
  }

  it('rejects broken XML', () => {
    expect(() => validateMobileconfig(Buffer.from('<?xml version="1.0"?><plist><dict>'))).toThrow(/failed to parse config profile/);
  });
});
