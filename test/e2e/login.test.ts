import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox, expectCleanError } from '../fleet-emulator/cli-runner.js';
import { startFleetEmulator, type FleetEmulator } from '../fleet-emulator/server.js';

let emu: FleetEmulator;
beforeAll(async () => {
  emu = await startFleetEmulator();
});
afterAll(async () => {
  await emu.close();
});

describe('fleetctl login / logout', () => {
  it('logs in, stores email and token, logs out and clears the token', async () => {
    const sb = cliSandbox();
    await sb.run(['config', 'set', '--address', emu.url]);
    const r = await sb.run(['login', '--email', emu.adminEmail, '--password', emu.adminPassword]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('[+] Fleet login successful and context configured!');
    const ctx = (sb.config() as { contexts: { default: { email: string; token: string } } }).contexts.default;
    expect(ctx.email).toBe(emu.adminEmail);
    expect(emu.state.sessions.has(ctx.token)).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(ctx.token);
    expect(r.stdout + r.stderr).not.toContain(emu.adminPassword);

    const out = await sb.run(['logout']);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('[+] Fleet logout successful and local token cleared!');
    expect(emu.state.sessions.has(ctx.token)).toBe(false);
    expect((sb.config() as { contexts: { default: { token: string } } }).contexts.default.token).toBe('');
  });

  it('takes EMAIL and PASSWORD from the environment', async () => {
    const sb = cliSandbox();
    await sb.run(['config', 'set', '--address', emu.url, '--context', 'env']);
    const r = await sb.run(['login', '--context', 'env'], { env: { EMAIL: emu.adminEmail, PASSWORD: emu.adminPassword } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Using value of environment variable $PASSWORD as password.');
  });

  it('fails cleanly: wrong password, no password without a terminal, no address, unreachable, no token', async () => {
    const sb = cliSandbox();
    expect(expectCleanError(await sb.run(['login', '--email', 'a@example.com', '--password', 'x']))).toBe(
      'Error: set the Fleet API address with: fleetctl config set --address https://fleet.example.com',
    );
    await sb.run(['config', 'set', '--address', emu.url]);
    const wrong = await sb.run(['login', '--email', emu.adminEmail, '--password', 'not-the-password']);
    expect(expectCleanError(wrong)).toBe('Error: Login failed: login received status 401 Authentication failed');
    expect(wrong.stderr).not.toContain('not-the-password');
    expect(expectCleanError(await sb.run(['login', '--email', emu.adminEmail]))).toMatch(/--password/);
    expect(expectCleanError(await sb.run(['logout']))).toBe('Error: token config value missing');
    await sb.run(['config', 'set', '--context', 'dead', '--address', 'http://127.0.0.1:1']);
    expect(expectCleanError(await sb.run(['login', '--context', 'dead', '--email', 'a@b.c', '--password', 'p']))).toMatch(
      /could not reach the Fleet server/,
    );
    expect(expectCleanError(await sb.run(['login', '--context', 'missing', '--email', 'a@b.c', '--password', 'p']))).toBe(
      'Error: context "missing" is not found',
    );
    await sb.run(['config', 'set', '--context', 'plain', '--address', 'http://fleet.example.com']);
    expect(expectCleanError(await sb.run(['login', '--context', 'plain', '--email', 'a@b.c', '--password', 'p']))).toBe(
      'Error: address must start with https:// for remote connections',
    );
  });
});
