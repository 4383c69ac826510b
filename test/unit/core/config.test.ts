import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FleetConfig, formatGoValue, parseCustomHeaders } from '../../../src/core/config.js';
import { loadConfig, updateConfig } from '../../../src/core/config-store.js';
import { configGet, configSet } from '../../../src/core/config-ops.js';
import { UserError } from '../../../src/core/errors.js';

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'fleetctl-cfg-')), '.fleet', 'config');

describe('FleetConfig', () => {
  it('reads an empty or context-less file as {default: {}}', () => {
    for (const text of ['', 'contexts: null\n', 'other: 1\n']) {
      const c = FleetConfig.parse(text, 'x');
      expect(c.hasContext('default')).toBe(true);
      expect(c.hasContext('prod')).toBe(false);
      expect(c.context('default')?.address).toBe('');
    }
  });

  it('keeps unknown keys and comments when rewriting', () => {
    const text =
      '# my fleet\nextra-top: keep\ncontexts:\n  default:\n    address: https://a.example.com\n    future-key: [1, 2]\n    token: t0\n';
    const c = FleetConfig.parse(text, 'x');
    c.set('default', 'token', 'new-token');
    c.set('prod', 'address', 'https://p.example.com');
    const out = c.toString();
    expect(out).toContain('# my fleet');
    const y = parse(out) as { 'extra-top': string; contexts: Record<string, Record<string, unknown>> };
    expect(y['extra-top']).toBe('keep');
    expect(y.contexts['default']?.['future-key']).toEqual([1, 2]);
    expect(y.contexts['default']?.['token']).toBe('new-token');
    // A new context gets Go fleetctl's default keys.
    expect(y.contexts['prod']).toEqual({
      address: 'https://p.example.com',
      'custom-headers': null,
      email: '',
      rootca: '',
      'tls-skip-verify': false,
      token: '',
      'url-prefix': '',
    });
  });

  it('stores and removes DEP keys per context and enrollment', () => {
    const c = FleetConfig.parse('', 'x');
    c.setDepKey('default', '3', {
      key: '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n',
      certificate: 'CERT',
      createdAt: 'now',
    });
    const again = FleetConfig.parse(c.toString(), 'x');
    expect(again.depKey('default', '3')?.certificate).toBe('CERT');
    expect(again.depKey('prod', '3')).toBeUndefined();
    expect(again.deleteDepKey('default', '3')).toBe(true);
    expect(again.toString()).not.toContain('apple-mdm-dep-keys');
  });

  it('reports invalid YAML as a user error', () => {
    expect(() => FleetConfig.parse('contexts: [\n', '/p')).toThrow(UserError);
    expect(() => FleetConfig.parse('contexts: [\n', '/p')).toThrow(/error reading config at \/p: unmarshal config/);
  });

  it('formats values as Go %v', () => {
    expect(formatGoValue(null)).toBe('map[]');
    expect(formatGoValue({ b: '2', a: '1' })).toBe('map[a:1 b:2]');
    expect(formatGoValue(true)).toBe('true');
    expect(parseCustomHeaders(['X-A:1:2', 'X-B'])).toEqual({ 'X-A': '1:2', 'X-B': '' });
  });
});

describe('config file', () => {
  it('creates the directory 0700 and the file 0600', async () => {
    const path = tmp();
    await updateConfig(path, (c) => c.set('default', 'address', 'https://x'));
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps 0600 when rewriting a file that was made world-readable', async () => {
    const path = tmp();
    await updateConfig(path, (c) => c.set('default', 'address', 'https://x'));
    writeFileSync(path, readFileSync(path), { mode: 0o644 });
    await updateConfig(path, (c) => c.set('default', 'email', 'a@b.c'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('loses no update under concurrent writers', async () => {
    const path = tmp();
    await Promise.all(
      Array.from({ length: 15 }, (_, i) => updateConfig(path, (c) => c.set(`ctx${i}`, 'address', `https://h${i}.example.com`))),
    );
    const c = await loadConfig(path);
    for (let i = 0; i < 15; i++) {
      expect(c.context(`ctx${i}`)?.address).toBe(`https://h${i}.example.com`);
    }
  });

  it('writes nothing when the change fails', async () => {
    const path = tmp();
    await updateConfig(path, (c) => c.set('default', 'address', 'https://x'));
    const before = readFileSync(path, 'utf8');
    await expect(
      updateConfig(path, (c) => {
        c.set('default', 'address', 'https://changed');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});

describe('config set/get', () => {
  it('prints Go fleetctl messages and never the token', async () => {
    const path = tmp();
    const lines = await configSet(path, 'prod', {
      address: 'https://fleet.example.com',
      token: 'sekrit-token',
      tlsSkipVerify: true,
      customHeaders: ['X-A:1', 'X-B:2'],
    });
    expect(lines).toEqual([
      '[+] Context "prod" not found, creating it with default values',
      '[+] Set the address config key to "https://fleet.example.com" in the "prod" context',
      '[+] Set the token config key to "<redacted>" in the "prod" context',
      '[+] Set the tls-skip-verify config key to "true" in the "prod" context',
      '[+] Set the custom-headers config key to [X-A:1 X-B:2] in the "prod" context',
    ]);
    expect((await configGet(path, 'prod', 'address')).line).toBe('  prod.address => https://fleet.example.com');
    expect((await configGet(path, 'prod', 'token')).line).toBe('  prod.token => <redacted>');
    expect((await configGet(path, 'prod', 'token', { reveal: true })).line).toBe('  prod.token => sekrit-token');
    expect((await configGet(path, 'prod', 'custom-headers')).line).toBe('  prod.custom-headers => map[X-A:1 X-B:2]');
    expect((await configGet(path, 'default', 'tls-skip-verify')).line).toBe('  default.tls-skip-verify => false');
    const missing = await configGet(path, 'nope', 'address');
    expect(missing.notices).toEqual(['[+] Context "nope" not found, creating it with default values']);
    await expect(configGet(path, 'prod', 'bogus')).rejects.toThrow('"bogus" is an invalid key');
    await expect(configSet(path, 'prod', {})).rejects.toThrow(/nothing to set/);
  });

  it('does not announce creating "default" in a new file (Go reads it as existing)', async () => {
    const lines = await configSet(tmp(), 'default', { email: 'a@example.com' });
    expect(lines).toEqual(['[+] Set the email config key to "a@example.com" in the "default" context']);
  });
});
