import { describe, expect, it } from 'vitest';
import { BadRequest, parseCreateBody } from '../../../src/packager-service/create-request.js';

const ok = { type: 'deb', fleet_url: 'https://fleet.example.com', enroll_secret: 'abcd1234' };

function field(body: unknown): string | undefined {
  try {
    parseCreateBody(body);
  } catch (e) {
    if (e instanceof BadRequest) {
      return e.field ?? 'body';
    }
    throw e;
  }
  return undefined;
}

describe('POST /create body', () => {
  it('fills the documented defaults', () => {
    expect(parseCreateBody(ok)).toEqual({
      type: 'deb',
      fleetUrl: 'https://fleet.example.com',
      enrollSecret: 'abcd1234',
      retry: false,
      insecure: false,
      disableUpdates: false,
      debug: false,
      fleetDesktop: false,
      service: true,
    });
  });

  it.each([
    ['not an object', [1, 2], 'body'],
    ['missing type', { ...ok, type: undefined }, 'type'],
    ['unknown type', { ...ok, type: 'zip' }, 'type'],
    ['missing url', { ...ok, fleet_url: undefined }, 'fleet_url'],
    ['empty secret', { ...ok, enroll_secret: ' ' }, 'enroll_secret'],
    ['string boolean', { ...ok, insecure: 'true' }, 'insecure'],
    ['numeric channel', { ...ok, 'orbit-channel': 1 }, 'orbit-channel'],
    ['typo field', { ...ok, 'fleet-url': 'x' }, 'fleet-url'],
    ['update source from a request', { ...ok, update_url: 'https://evil.example.com' }, 'update_url'],
    ['non-PEM certificate', { ...ok, 'fleet-certificate': 'hello' }, 'fleet-certificate'],
  ])('%s → 400 naming %s', (_n, body, expected) => {
    expect(field(body)).toBe(expected);
  });
});
