import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildBinary, parse } from 'plist';
import { prepareCommand } from '../../../src/mdm/command.js';
import { readPlist } from '../../../src/mdm/plist.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../../fixtures/mdm/${name}`, import.meta.url));

describe('prepareCommand', () => {
  it('sets a fresh CommandUUID and keeps the command', () => {
    const p = prepareCommand(fixture('profile-list.plist'), 'profile-list.plist', () => 'UUID-1');
    expect(p.commandUuid).toBe('UUID-1');
    expect(p.requestType).toBe('ProfileList');
    const decoded = parse(Buffer.from(p.base64, 'base64').toString('utf8'));
    expect(decoded).toEqual({ CommandUUID: 'UUID-1', Command: { RequestType: 'ProfileList' } });
  });

  it('accepts binary plists and sends XML', () => {
    const bin = buildBinary({ Command: { RequestType: 'DeviceInformation', Queries: ['UDID', 'SerialNumber'] } });
    const p = prepareCommand(bin, 'x.plist', () => 'U2');
    expect(p.requestType).toBe('DeviceInformation');
    expect(p.xml).toContain('<string>SerialNumber</string>');
  });

  it('rejects invalid plists and missing RequestType with one line', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [fixture('no-request-type.plist'), /has no Command.RequestType/],
      [Buffer.from('<plist><dict><key>Command</key>'), /isn't valid XML/],
      [Buffer.from('not a plist'), /isn't valid XML/],
      [Buffer.from(''), /isn't valid XML.*empty/],
      [Buffer.from('<?xml version="1.0"?><plist version="1.0"><array/></plist>'), /not a dictionary/],
      [Buffer.from('bplist00garbage-garbage-garbage-garbage'), /isn't valid XML/],
    ];
    for (const [bytes, re] of cases) {
      expect(() => prepareCommand(bytes, 'c.plist')).toThrow(re);
    }
  });

  it('keeps xmldom console noise out of the output', () => {
    const errors: unknown[] = [];
    const saved = console.error;
    console.error = (...a: unknown[]) => errors.push(a);
    try {
      expect(() => readPlist(Buffer.from('<plist><dict>'))).toThrow();
    } finally {
      console.error = saved;
    }
    expect(errors).toEqual([]);
  });
});
