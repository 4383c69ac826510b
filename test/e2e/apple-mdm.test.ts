import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBinary } from 'plist';
import { cliSandbox, expectCleanError, type CliSandbox } from '../fleet-emulator/cli-runner.js';
import { abmPlaintext, encryptForCertificate, fakeAbmToken, otherCertificate } from '../fleet-emulator/apple-abm.js';
import { startFleetEmulator, type FleetEmulator } from '../fleet-emulator/server.js';

const FIXTURES = new URL('../../fixtures/mdm/', import.meta.url).pathname;
let emu: FleetEmulator;
let sb: CliSandbox;

type Cfg = {
  'team-notes'?: string;
  contexts: Record<string, Record<string, unknown> & { 'apple-mdm-dep-keys'?: Record<string, { key: string; certificate: string }> }>;
};
const cfg = (): Cfg => sb.config() as Cfg;

beforeAll(async () => {
  emu = await startFleetEmulator();
  sb = cliSandbox();
  await sb.run(['config', 'set', '--address', emu.url, '--token', emu.adminToken]);
  // An unknown key that every command must preserve.
  writeFileSync(sb.configPath, `team-notes: keep\n${readFileSync(sb.configPath, 'utf8')}`, { mode: 0o600 });
});
afterAll(async () => {
  await emu.close();
  // Whatever ran, the config stayed valid YAML, 0600, with the unknown key.
  expect(cfg()['team-notes']).toBe('keep');
});

async function ok(args: string[], env?: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const r = await sb.run(args, env === undefined ? {} : { env });
  if (r.code !== 0) {
    throw new Error(`fleetctl ${args.join(' ')} failed:\n${r.stderr}`);
  }
  return r;
}

describe('enrollments', () => {
  it('creates manual and DEP enrollments and lists them', async () => {
    const manual = await ok(['apple-mdm', 'enrollments', 'create', '--name', 'Office']);
    expect(manual.stderr).toMatch(/Manual enrollment created, URL: http:\/\/127\.0\.0\.1:\d+\/api\/mdm\/apple\/enroll\?id=1, id: 1/);
    const dep = await ok([
      'apple-mdm',
      'enrollments',
      'create',
      '--name',
      'DEP',
      '--configuration',
      join(FIXTURES, 'dep-profile.json'),
      '--json',
    ]);
    expect(JSON.parse(dep.stdout)).toMatchObject({ id: 2, name: 'DEP', dep_config: { profile_name: 'Fleet DEP profile' } });
    const list = await ok(['apple-mdm', 'enrollments', 'list']);
    expect(list.stdout).toMatch(/^ID\s+Name\s+URL\s+Type\s+DEP Config/);
    expect(list.stdout).toMatch(/1\s+Office\s+\S+\s+manual/);
    expect(list.stdout).toMatch(/2\s+DEP\s+\S+\s+automatic\s+\{"profile_name"/);
    expect(expectCleanError(await sb.run(['apple-mdm', 'enrollments', 'create', '--name', 'Office']))).toBe(
      'Error: POST /api/latest/fleet/mdm/apple/enrollments received status 409 Resource Already Exists: enrollment "Office" already exists',
    );
    expect(
      expectCleanError(
        await sb.run(['apple-mdm', 'enrollments', 'create', '--name', 'X', '--configuration', join(FIXTURES, 'device-lock.plist')]),
      ),
    ).toMatch(/is not valid JSON/);
  });
});

describe('DEP token round trip', () => {
  it('setup → Apple encrypts → finalize; failures keep the key', async () => {
    const outDir = sb.home;
    // Non-DEP enrollment and missing stored key are refused.
    expect(expectCleanError(await sb.run(['apple-mdm', 'enrollments', 'dep', 'set-token', 'setup', '--enrollment', '1']))).toBe(
      'Error: enrollment 1 ("Office") is a manual enrollment, not a DEP enrollment',
    );
    expect(expectCleanError(await sb.run(['apple-mdm', 'enrollments', 'dep', 'set-token', 'setup', '--enrollment', '99']))).toBe(
      "Error: enrollment 99 doesn't exist",
    );
    const p7mPath = join(sb.home, 'token_smime.p7m');
    writeFileSync(p7mPath, 'x');
    expect(
      expectCleanError(
        await sb.run(['apple-mdm', 'enrollments', 'dep', 'set-token', 'finalize', '--enrollment', '2', '--encrypted-auth-token', p7mPath]),
      ),
    ).toBe('Error: no DEP key is stored for enrollment 2 in the "default" context');

    const setup = await ok(['apple-mdm', 'enrollments', 'dep', 'set-token', 'setup', '--enrollment', '2', '--out-dir', outDir]);
    expect(setup.stderr).toContain('Next steps:');
    const certPem = readFileSync(join(outDir, 'fleet-mdm-apple-dep.pem'), 'utf8');
    expect(certPem).toContain('-----BEGIN CERTIFICATE-----');
    const stored = cfg().contexts['default']?.['apple-mdm-dep-keys']?.['2'];
    expect(stored?.certificate).toBe(certPem);
    expect(stored?.key).toContain('RSA PRIVATE KEY');
    expect(setup.stdout + setup.stderr).not.toContain('PRIVATE KEY');
    expect(
      expectCleanError(await sb.run(['apple-mdm', 'enrollments', 'dep', 'set-token', 'setup', '--enrollment', '2', '--out-dir', outDir])),
    ).toMatch(/a DEP key for enrollment 2 is already stored/);

    const token = fakeAbmToken('e2e');
    const finalize = (): Promise<{ code: number; stdout: string; stderr: string }> =>
      sb.run(['apple-mdm', 'enrollments', 'dep', 'set-token', 'finalize', '--enrollment', '2', '--encrypted-auth-token', p7mPath]);
    const keyStillThere = (): boolean => cfg().contexts['default']?.['apple-mdm-dep-keys']?.['2']?.key === stored?.key;

    // Bad files: malformed, truncated, wrong key. Each fails cleanly and keeps the key.
    const good = encryptForCertificate(certPem, abmPlaintext(token), { outform: 'DER' });
    const bad: Array<[Buffer | string, RegExp]> = [
      ['this is not a token', /not an S\/MIME/],
      [good.subarray(0, good.length - 40), /truncated or malformed/],
      [encryptForCertificate(otherCertificate().certPem, abmPlaintext(token)), /different certificate \(wrong key\)/],
    ];
    for (const [content, re] of bad) {
      writeFileSync(p7mPath, content);
      const r = await finalize();
      expect(expectCleanError(r)).toMatch(re);
      expect(r.stderr).not.toContain(token.access_secret);
      expect(keyStillThere()).toBe(true);
    }
    // A server failure keeps the key too.
    writeFileSync(p7mPath, encryptForCertificate(certPem, abmPlaintext(token)));
    emu.faults.add({ path: '/mdm/apple/enrollments/2/dep_token', status: 500 });
    expect(expectCleanError(await finalize())).toMatch(/received status 500/);
    expect(keyStillThere()).toBe(true);
    expect(emu.state.enrollments[1]?.depToken).toBeNull();

    // The real thing: S/MIME with headers, BER indefinite lengths, AES-128 as Apple sends.
    const r = await finalize();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('The token expires at 2027-07-01T22:18:53Z');
    expect(emu.state.enrollments[1]?.depToken).toEqual(token);
    expect(cfg().contexts['default']?.['apple-mdm-dep-keys']).toBeUndefined();
    expect(r.stdout + r.stderr).not.toContain(token.access_secret);
  });

  it('lists DEP devices across cursors and syncs profiles', async () => {
    const e = emu.state.enrollments[1];
    if (e === undefined) {
      throw new Error('no DEP enrollment');
    }
    for (let i = 0; i < 5; i++) {
      emu.state.addDepDevice(e, `C02XK${i}ABCD`, i === 4 ? { failAssign: 'NOT_ACCESSIBLE' } : {});
    }
    const list = await ok(['apple-mdm', 'enrollments', 'dep', 'list', '2', '--json']);
    expect((JSON.parse(list.stdout) as Array<{ serial_number: string }>).map((d) => d.serial_number)).toHaveLength(5);
    const table = await ok(['apple-mdm', 'enrollments', 'dep', 'list', '2']);
    expect(table.stdout).toMatch(/^Serial Number\s+OS\s+Family/);
    const sync = await sb.run(['apple-mdm', 'enrollments', 'dep', 'sync-profiles', '2']);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toContain('Assigned the DEP profile to 4 device(s)');
    expect(sync.stdout).toMatch(/C02XK4ABCD\s+NOT_ACCESSIBLE/);
    expect(expectCleanError(await sb.run(['apple-mdm', 'enrollments', 'dep', 'list', '1']))).toMatch(
      /received status 422 Validation Failed: enrollment 1 is not a DEP enrollment/,
    );
    expect(expectCleanError(await sb.run(['apple-mdm', 'enrollments', 'dep', 'list', '42']))).toBe(
      'Error: Resource Not Found: enrollment 42 was not found in the datastore',
    );
  });
});

describe('commands', () => {
  it('sends a command, lists it and shows results', async () => {
    const r = await ok([
      'apple-mdm',
      'commands',
      'send',
      '--target-hosts=1,4',
      `--command=${join(FIXTURES, 'profile-list.plist')}`,
      '--json',
    ]);
    const sent = JSON.parse(r.stdout) as { command_uuid: string; request_type: string; host_uuids: string[] };
    expect(sent.request_type).toBe('ProfileList');
    expect(sent.command_uuid).not.toBe('0001_ProfileList');
    expect(sent.host_uuids).toEqual([emu.state.hosts[0]?.uuid, emu.state.hosts[3]?.uuid]);
    // Sending the same file again works: a fresh CommandUUID each time.
    const again = await ok(['apple-mdm', 'commands', 'send', '--target-hosts', '1', '--command', join(FIXTURES, 'profile-list.plist')]);
    expect(again.stdout).toMatch(/^Command UUID: [0-9a-f-]{36}$/m);
    // Binary plist input.
    const bin = join(sb.home, 'restart.plist');
    writeFileSync(bin, buildBinary({ Command: { RequestType: 'RestartDevice' } }));
    await ok(['apple-mdm', 'commands', 'send', '--target-hosts', '1', '--command', bin]);

    emu.state.acknowledge(
      sent.command_uuid,
      emu.state.hosts[0]?.uuid ?? '',
      'Acknowledged',
      '<?xml version="1.0"?><plist version="1.0"><dict><key>Status</key><string>Acknowledged</string></dict></plist>',
    );
    const list = await ok(['apple-mdm', 'commands', 'list']);
    expect(list.stdout).toMatch(/^UUID\s+TIME\s+TYPE\s+STATUS\s+HOSTNAME/);
    expect(list.stdout).toContain('RestartDevice');
    const filtered = await ok(['apple-mdm', 'commands', 'list', '--request-type', 'RestartDevice', '--json']);
    expect((JSON.parse(filtered.stdout) as unknown[]).length).toBe(1);
    const results = await ok(['apple-mdm', 'commands', 'results', '--command-uuid', sent.command_uuid]);
    expect(results.stdout).toMatch(/Acknowledged\s+mac-1\.local/);
    expect(results.stdout).toMatch(/Pending\s+ipad-1/);
    expect(results.stdout).toContain('<string>Acknowledged</string>');
    expect(expectCleanError(await sb.run(['apple-mdm', 'commands', 'results', '--command-uuid', 'nope']))).toMatch(
      /The command doesn't exist/,
    );
  });

  it('refuses bad plists and unsuitable hosts before sending', async () => {
    const before = emu.state.commands.length;
    const bad = join(sb.home, 'bad.plist');
    writeFileSync(bad, '<plist><dict><key>Command</key>');
    expect(expectCleanError(await sb.run(['apple-mdm', 'commands', 'send', '--target-hosts', '1', '--command', bad]))).toMatch(
      /The payload isn't valid XML/,
    );
    expect(
      expectCleanError(
        await sb.run(['apple-mdm', 'commands', 'send', '--target-hosts', '1', '--command', join(FIXTURES, 'no-request-type.plist')]),
      ),
    ).toMatch(/Command.RequestType/);
    expect(
      expectCleanError(
        await sb.run(['apple-mdm', 'commands', 'send', '--target-hosts', '1,77', '--command', join(FIXTURES, 'device-lock.plist')]),
      ),
    ).toMatch(/hosts don't exist: 77/);
    expect(
      expectCleanError(
        await sb.run(['apple-mdm', 'commands', 'send', '--target-hosts', '3', '--command', join(FIXTURES, 'device-lock.plist')]),
      ),
    ).toMatch(/non-Apple hosts: 3 \(windows\)/);
    expect(
      expectCleanError(
        await sb.run(['apple-mdm', 'commands', 'send', '--target-hosts', '2', '--command', join(FIXTURES, 'device-lock.plist')]),
      ),
    ).toMatch(/MDM turned off: 2/);
    expect(
      expectCleanError(
        await sb.run(['apple-mdm', 'commands', 'send', '--target-hosts', 'a,b', '--command', join(FIXTURES, 'device-lock.plist')]),
      ),
    ).toMatch(/invalid host id/);
    expect(emu.state.commands.length).toBe(before);
  });
});

describe('profiles', () => {
  it('creates, lists and deletes', async () => {
    const c = await ok([
      'apple-mdm',
      'profiles',
      'create',
      '--payload',
      join(FIXTURES, 'passcode.mobileconfig'),
      '--name',
      'Passcode',
      '--json',
    ]);
    const uuid = (JSON.parse(c.stdout) as { profile_uuid: string }).profile_uuid;
    expect(uuid).toMatch(/^a/);
    await ok(['apple-mdm', 'profiles', 'create', '--payload', join(FIXTURES, 'passcode.mobileconfig'), '--team-id', '3']);
    const list = await ok(['apple-mdm', 'profiles', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${uuid}\\s+Passcode\\s+com\\.example\\.passcode`));
    expect((JSON.parse((await ok(['apple-mdm', 'profiles', 'list', '--team-id', '3', '--json'])).stdout) as unknown[]).length).toBe(1);
    expect(
      expectCleanError(await sb.run(['apple-mdm', 'profiles', 'create', '--payload', join(FIXTURES, 'passcode.mobileconfig')])),
    ).toMatch(/status 409 Resource Already Exists: Couldn't add. A configuration profile with this name already exists/);
    await ok(['apple-mdm', 'profiles', 'delete', uuid]);
    expect(expectCleanError(await sb.run(['apple-mdm', 'profiles', 'delete', uuid]))).toMatch(/^Error: Resource Not Found: Profile/);
  });

  it('rejects profiles failing Fleet rules before upload', async () => {
    const base = readFileSync(join(FIXTURES, 'passcode.mobileconfig'), 'utf8');
    const cases: Array<[string, string, RegExp]> = [
      ['type', base.replace('<string>Configuration</string>', '<string>Other</string>'), /invalid PayloadType: Other/],
      ['noid', base.replace('<string>com.example.passcode</string>', '<string></string>'), /empty PayloadIdentifier in profile/],
      ['noname', base.replace('<string>Passcode</string>', '<string></string>'), /empty PayloadDisplayName in profile/],
      ['scope', base.replace('<string>System</string>', '<string>Galaxy</string>'), /invalid PayloadScope: Galaxy/],
      [
        'reserved-id',
        base.replace('<string>com.example.passcode</string>', '<string>com.fleetdm.fleetd.config</string>'),
        /payload identifier com.fleetdm.fleetd.config is not allowed/,
      ],
      [
        'reserved-name',
        base.replace('<string>Passcode</string>', '<string>Disk encryption</string>'),
        /payload display name Disk encryption is not allowed/,
      ],
      [
        'redirect',
        base.replace('com.apple.mobiledevice.passwordpolicy', 'com.apple.security.FDERecoveryRedirect'),
        /unsupported PayloadType\(s\)/,
      ],
      ['broken', base.slice(0, 300), /failed to parse config profile/],
      ['signed', '\u0030\u0082garbage', /mobileconfig is not XML nor PKCS7 parseable|can't be signed/],
    ];
    const requestsBefore = emu.requests.length;
    for (const [name, content, re] of cases) {
      const f = join(sb.home, `${name}.mobileconfig`);
      writeFileSync(f, content);
      expect(expectCleanError(await sb.run(['apple-mdm', 'profiles', 'create', '--payload', f]))).toMatch(re);
    }
    expect(
      expectCleanError(await sb.run(['apple-mdm', 'profiles', 'create', '--payload', join(FIXTURES, 'filevault.mobileconfig')])),
    ).toMatch(/can't include FileVault settings/);
    expect(
      expectCleanError(
        await sb.run(['apple-mdm', 'profiles', 'create', '--payload', join(FIXTURES, 'passcode.mobileconfig'), '--name', 'Other']),
      ),
    ).toMatch(/--name "Other" does not match the profile's PayloadDisplayName "Passcode"/);
    expect(emu.requests.length).toBe(requestsBefore);
  });
});

describe('HTTP failures', () => {
  it('renders 401/403/404/422/5xx, retries GETs, handles slow and dropped answers', async () => {
    const bad = await sb.run(['apple-mdm', 'enrollments', 'list'], { env: { CONTEXT: 'badtoken' } });
    expect(expectCleanError(bad)).toBe('Error: context "badtoken" is not found');
    await sb.run(['config', 'set', '--context', 'badtoken', '--address', emu.url, '--token', 'not-a-valid-token']);
    const unauth = await sb.run(['apple-mdm', 'enrollments', 'list', '--context', 'badtoken']);
    expect(expectCleanError(unauth)).toBe('Error: unauthenticated, or invalid token');
    expect(unauth.stderr).toContain('Please log in with: fleetctl login');
    expect(unauth.stderr).not.toContain('not-a-valid-token');

    const observerToken = emu.state.newSession(2);
    await sb.run(['config', 'set', '--context', 'observer', '--address', emu.url, '--token', observerToken]);
    expect(expectCleanError(await sb.run(['apple-mdm', 'enrollments', 'list', '--context', 'observer']))).toBe(
      'Error: GET /api/latest/fleet/mdm/apple/enrollments received status 403 Permission Denied: forbidden',
    );
    await sb.run(['config', 'set', '--context', 'notoken', '--address', emu.url]);
    expect(expectCleanError(await sb.run(['apple-mdm', 'profiles', 'list', '--context', 'notoken']))).toBe(
      'Error: token config value missing',
    );

    // 5xx twice then fine: the GET is retried.
    emu.faults.add({ method: 'GET', path: '/configuration_profiles', status: 503, times: 2 });
    await ok(['apple-mdm', 'profiles', 'list']);
    // Dropped connection then a slow answer: still fine.
    emu.faults.add({ method: 'GET', path: '/mdm/apple/enrollments', drop: true });
    emu.faults.add({ method: 'GET', path: '/mdm/apple/enrollments', delayMs: 300 });
    await ok(['apple-mdm', 'enrollments', 'list']);
    // A POST is not retried.
    emu.faults.add({ method: 'POST', path: '/mdm/apple/enrollments', status: 502, body: '<html>bad gateway</html>' });
    const before = emu.state.enrollments.length;
    expect(expectCleanError(await sb.run(['apple-mdm', 'enrollments', 'create', '--name', 'Z']))).toBe(
      'Error: POST /api/latest/fleet/mdm/apple/enrollments received status 502 server returned HTML instead of JSON response, body: <html>bad gateway</html>',
    );
    expect(emu.state.enrollments.length).toBe(before);
    // A server that stays down.
    emu.faults.add({ method: 'GET', path: '/mdm/apple/enrollments', status: 500, times: 10 });
    expect(expectCleanError(await sb.run(['apple-mdm', 'enrollments', 'list']))).toMatch(/received status 500 Internal Server Error/);
    emu.faults.clear();
    // 422 from server-side validation.
    expect(expectCleanError(await sb.run(['apple-mdm', 'enrollments', 'create', '--name', '   ']))).toMatch(
      /enrollment name must not be empty/,
    );
    // Unreachable.
    await sb.run(['config', 'set', '--context', 'down', '--address', 'http://127.0.0.1:1', '--token', 't-down-1']);
    expect(expectCleanError(await sb.run(['apple-mdm', 'profiles', 'list', '--context', 'down']))).toMatch(
      /could not reach the Fleet server at http:\/\/127\.0\.0\.1:1/,
    );
    expect(existsSync(sb.configPath)).toBe(true);
  });
});
