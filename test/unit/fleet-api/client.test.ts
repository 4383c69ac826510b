import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetClient } from '../../../src/fleet-api/client.js';
import { fleetApiError } from '../../../src/fleet-api/errors.js';
import { listEnrollments, listDepDevices } from '../../../src/fleet-api/enrollments.js';
import { listProfiles } from '../../../src/fleet-api/profiles.js';
import { login } from '../../../src/fleet-api/session.js';
import { backoffDelay, DEFAULT_RETRY, isIdempotent } from '../../../src/fleet-api/retry.js';
import { ApiError } from '../../../src/core/errors.js';
import { startFleetEmulator, type FleetEmulator } from '../../fleet-emulator/server.js';

let emu: FleetEmulator;
const noSleep = (): Promise<void> => Promise.resolve();

async function client(over: Partial<Parameters<typeof FleetClient.create>[0]> = {}): Promise<FleetClient> {
  return FleetClient.create({ address: emu.url, token: emu.adminToken, sleep: noSleep, ...over });
}

beforeAll(async () => {
  emu = await startFleetEmulator({ urlPrefix: '/fleet' });
});
afterAll(async () => {
  await emu.close();
});

describe('Fleet error rendering (Go fleetctl texts)', () => {
  const body = JSON.stringify({ message: 'Validation Failed', errors: [{ name: 'name', reason: 'name cannot be empty' }] });
  it.each([
    [401, body, 'unauthenticated, or invalid token'],
    [402, body, 'missing or invalid license'],
    [
      404,
      JSON.stringify({ message: 'Resource Not Found', errors: [{ name: 'base', reason: 'Host was not found' }] }),
      'Resource Not Found: Host was not found',
    ],
    [404, '', 'The resource was not found'],
    [422, body, 'POST /api/latest/fleet/x received status 422 Validation Failed: name cannot be empty'],
    [
      502,
      '<html><body>Bad gateway</body></html>',
      'POST /api/latest/fleet/x received status 502 server returned HTML instead of JSON response, body: <html><body>Bad gateway</body></html>',
    ],
    [500, '', 'POST /api/latest/fleet/x received status 500 empty response body'],
    [503, 'upstream down', 'POST /api/latest/fleet/x received status 503 upstream down'],
  ])('%i', (status, text, message) => {
    expect(fleetApiError('POST', '/api/latest/fleet/x', status, text).message).toBe(message);
  });
});

describe('retry policy', () => {
  it('retries only idempotent methods, with growing delays', () => {
    expect(isIdempotent('GET')).toBe(true);
    expect(isIdempotent('DELETE')).toBe(true);
    expect(isIdempotent('POST')).toBe(false);
    expect(backoffDelay(DEFAULT_RETRY, 3, () => 0.5)).toBe(2 * backoffDelay(DEFAULT_RETRY, 2, () => 0.5));
  });
});

describe('FleetClient against the emulator', () => {
  it('uses the url prefix, bearer token and custom headers', async () => {
    const c = await client({ urlPrefix: '/fleet', customHeaders: { 'X-Tenant': 'acme', Authorization: 'ignored' } });
    expect(await listEnrollments(c)).toEqual([]);
    const last = emu.requests.at(-1);
    expect(last?.path).toBe('/fleet/api/latest/fleet/mdm/apple/enrollments');
    expect(last?.headers['x-tenant']).toBe('acme');
    expect(last?.headers['authorization']).toBe(`Bearer ${emu.adminToken}`);
    await c.close();
  });

  it('retries GETs on 5xx and dropped connections', async () => {
    const c = await client({ urlPrefix: '/fleet' });
    emu.faults.add({ path: '/mdm/apple/enrollments', status: 503 });
    emu.faults.add({ path: '/mdm/apple/enrollments', drop: true });
    const before = emu.requests.length;
    expect(await listEnrollments(c)).toEqual([]);
    expect(emu.requests.length - before).toBe(3);
    await c.close();
  });

  it('gives up after the last attempt with the server message', async () => {
    const c = await client({ urlPrefix: '/fleet' });
    emu.faults.add({ path: '/mdm/apple/enrollments', status: 500, times: 10 });
    await expect(listEnrollments(c)).rejects.toThrow(
      'GET /api/latest/fleet/mdm/apple/enrollments received status 500 Internal Server Error',
    );
    emu.faults.clear();
    await c.close();
  });

  it('never retries a POST', async () => {
    const c = await client({ urlPrefix: '/fleet' });
    emu.faults.add({ path: '/login', status: 502 });
    const before = emu.requests.length;
    await expect(login(c, emu.adminEmail, emu.adminPassword)).rejects.toThrow(/status 502/);
    expect(emu.requests.length - before).toBe(1);
    await c.close();
  });

  it('follows DEP cursors and profile pages', async () => {
    const e = emu.state.addEnrollment('dep-pages', { profile_name: 'p' });
    e.depToken = { consumer_key: 'CK', consumer_secret: 'CS', access_token: 'AT', access_secret: 'AS', access_token_expiry: '' };
    for (let i = 0; i < 5; i++) {
      emu.state.addDepDevice(e, `SER${i}`);
    }
    const c = await client({ urlPrefix: '/fleet' });
    expect((await listDepDevices(c, e.id)).map((d) => d.serial_number)).toEqual(['SER0', 'SER1', 'SER2', 'SER3', 'SER4']);
    for (let i = 0; i < 3; i++) {
      emu.state.profiles.push({
        profile_uuid: `a-${i}`,
        team_id: 0,
        name: `P${i}`,
        platform: 'darwin',
        identifier: `com.x.${i}`,
        created_at: '',
        updated_at: '',
        checksum: '',
        mobileconfig: Buffer.alloc(0),
      });
    }
    expect((await listProfiles(c, undefined, 2)).map((p) => p.name)).toEqual(['P0', 'P1', 'P2']);
    await c.close();
  });

  it('reports an unreachable server and 401 clearly', async () => {
    const dead = await FleetClient.create({ address: 'http://127.0.0.1:1', token: 't', sleep: noSleep });
    await expect(listEnrollments(dead)).rejects.toThrow(/could not reach the Fleet server at http:\/\/127.0.0.1:1: ECONNREFUSED/);
    const bad = await client({ urlPrefix: '/fleet', token: 'wrong-token' });
    const err = await listEnrollments(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe('unauthenticated, or invalid token');
    expect((err as ApiError).hint).toContain('fleetctl login');
  });
});

describe('TLS', () => {
  it('trusts rootca, skips verification on request, and explains a verification failure', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'fleetctl-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-days',
        '1',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
      ],
      {
        stdio: 'ignore',
      },
    );
    const tlsEmu = await startFleetEmulator({
      tls: { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') },
    });
    try {
      const trusted = await FleetClient.create({
        address: tlsEmu.url,
        token: tlsEmu.adminToken,
        rootca: join(dir, 'c.pem'),
        sleep: noSleep,
      });
      expect(await listEnrollments(trusted)).toEqual([]);
      const skip = await FleetClient.create({ address: tlsEmu.url, token: tlsEmu.adminToken, tlsSkipVerify: true, sleep: noSleep });
      expect(await listEnrollments(skip)).toEqual([]);
      const strict = await FleetClient.create({ address: tlsEmu.url, token: tlsEmu.adminToken, sleep: noSleep });
      const err = await listEnrollments(strict).catch((e: unknown) => e);
      expect((err as ApiError).message).toMatch(/TLS certificate verification failed/);
      expect((err as ApiError).hint).toMatch(/--rootca/);
      await Promise.all([trusted.close(), skip.close(), strict.close()]);
    } finally {
      await tlsEmu.close();
    }
  });
});
