import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox, expectCleanError } from '../fleet-emulator/cli-runner.js';

describe('fleetctl config', () => {
  it('sets and gets keys with Fleet messages; file 0600 in a 0700 dir', async () => {
    const sb = cliSandbox();
    const set = await sb.run([
      'config',
      'set',
      '--address',
      'https://fleet.example.com',
      '--token',
      'tok-secret-1',
      '--url-prefix',
      '/fleet',
      '--custom-header',
      'X-A:1',
    ]);
    expect(set.code).toBe(0);
    expect(set.stderr).toContain('[+] Set the address config key to "https://fleet.example.com" in the "default" context');
    expect(set.stderr).toContain('[+] Set the token config key to "<redacted>" in the "default" context');
    expect(set.stderr + set.stdout).not.toContain('tok-secret-1');
    const get = await sb.run(['config', 'get', 'address']);
    expect(get.stdout).toBe('  default.address => https://fleet.example.com\n');
    expect((await sb.run(['config', 'get', 'custom-headers'])).stdout).toBe('  default.custom-headers => map[X-A:1]\n');
    expect((await sb.run(['config', 'get', 'token'])).stdout).toBe('  default.token => <redacted>\n');
    const json = await sb.run(['config', 'get', 'url-prefix', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ context: 'default', key: 'url-prefix', value: '/fleet' });
    expect(statSync(join(sb.home, '.fleet')).mode & 0o777).toBe(0o700);
    expect(sb.config()).toMatchObject({ contexts: { default: { address: 'https://fleet.example.com', 'url-prefix': '/fleet' } } });
  });

  it('takes --context/--config on the subcommand, globally, and from CONTEXT/CONFIG/ADDRESS/INSECURE', async () => {
    const sb = cliSandbox();
    const other = join(sb.home, 'other.yml');
    expect((await sb.run(['config', 'set', '--context', 'prod', '--address', 'https://p.example.com'])).code).toBe(0);
    expect((await sb.run(['--context', 'prod', 'config', 'get', 'address'])).stdout).toBe('  prod.address => https://p.example.com\n');
    expect(
      (await sb.run(['config', 'set'], { env: { CONTEXT: 'staging', ADDRESS: 'https://s.example.com', INSECURE: 'true' } })).code,
    ).toBe(0);
    expect((await sb.run(['config', 'get', 'tls-skip-verify', '--context', 'staging'])).stdout).toBe('  staging.tls-skip-verify => true\n');
    expect((await sb.run(['config', 'set', '--email', 'a@example.com'], { env: { CONFIG: other } })).code).toBe(0);
    expect(readFileSync(other, 'utf8')).toContain('email: a@example.com');
    expect(statSync(other).mode & 0o777).toBe(0o600);
  });

  it('keeps unknown keys and comments', async () => {
    const sb = cliSandbox();
    await sb.run(['config', 'set', '--address', 'https://a.example.com']);
    writeFileSync(
      sb.configPath,
      `# keep me\nteam-notes: hello\n${readFileSync(sb.configPath, 'utf8').replace('address:', 'future-key: 42\n    address:')}`,
      { mode: 0o600 },
    );
    expect((await sb.run(['config', 'set', '--email', 'b@example.com'])).code).toBe(0);
    const text = readFileSync(sb.configPath, 'utf8');
    expect(text).toContain('# keep me');
    expect(sb.config()).toMatchObject({ 'team-notes': 'hello', contexts: { default: { 'future-key': 42, email: 'b@example.com' } } });
  });

  it('20 concurrent processes on different keys and contexts all land', async () => {
    const sb = cliSandbox();
    const runs = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? sb.run(['config', 'set', '--context', `ctx${i}`, '--address', `https://h${i}.example.com`])
        : sb.run(['config', 'set', '--context', 'shared', i % 4 === 1 ? '--email' : '--url-prefix', `v${i}`]),
    );
    const results = await Promise.all(runs);
    expect(results.map((r) => r.code)).toEqual(Array.from({ length: 20 }, () => 0));
    const cfg = sb.config() as { contexts: Record<string, Record<string, unknown>> };
    for (let i = 0; i < 20; i += 2) {
      expect(cfg.contexts[`ctx${i}`]?.['address']).toBe(`https://h${i}.example.com`);
    }
    // The last writer of each shared key wins, but both keys are present.
    expect(cfg.contexts['shared']?.['email']).toMatch(/^v\d+$/);
    expect(cfg.contexts['shared']?.['url-prefix']).toMatch(/^v\d+$/);
  }, 120_000);

  it('reports bad input as one clean line', async () => {
    const sb = cliSandbox();
    expect(expectCleanError(await sb.run(['config', 'get', 'bogus']))).toBe('Error: "bogus" is an invalid key');
    expect(expectCleanError(await sb.run(['config', 'set']))).toMatch(/nothing to set/);
  });

  it('reports a broken config file without touching it', async () => {
    const sb = cliSandbox();
    await sb.run(['config', 'set', '--address', 'https://a.example.com']);
    writeFileSync(sb.configPath, 'contexts: [\n', { mode: 0o600 });
    expect(expectCleanError(await sb.run(['config', 'set', '--email', 'x@example.com']))).toMatch(
      /error reading config at .*unmarshal config/,
    );
    expect(readFileSync(sb.configPath, 'utf8')).toBe('contexts: [\n');
  });
});
