import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { envValue, renderEnvFile } from '../../../src/packaging/linux/env-file.js';
import { linuxPayload, linuxScripts } from '../../../src/packaging/linux/payload.js';
import { fakeContext, fakeOptions } from '../../helpers/fake-context.js';

describe('linux env file', () => {
  it('writes plain values like Fleet and quotes what systemd would mis-read', () => {
    expect(envValue('https://fleet.example.com:8080')).toBe('https://fleet.example.com:8080');
    expect(envValue('a b')).toBe('"a b"');
    expect(envValue('x"y\\z$HOME')).toBe('"x\\"y\\\\z\\$HOME"');
  });

  it('contains the always-present keys and only the requested optional ones', () => {
    const ctx = fakeContext('deb', { platform: 'linux' });
    const text = renderEnvFile(fakeOptions('deb', { debug: true, hostIdentifier: 'instance' }), ctx.targets);
    expect(text.split('\n').filter(Boolean).map((l) => l.split('=')[0])).toEqual([
      'ORBIT_UPDATE_URL',
      'ORBIT_ORBIT_CHANNEL',
      'ORBIT_OSQUERYD_CHANNEL',
      'ORBIT_UPDATE_INTERVAL',
      'ORBIT_FLEET_URL',
      'ORBIT_ENROLL_SECRET',
      'ORBIT_DEBUG',
      'ORBIT_HOST_IDENTIFIER',
    ]);
  });
});

describe('linux payload and scripts', () => {
  it('has every parent directory before its children and the orbit symlinks', async () => {
    const ctx = fakeContext('deb', { platform: 'linux' });
    const entries = await linuxPayload(ctx);
    const seen = new Set<string>();
    for (const e of entries) {
      const parent = e.path.split('/').slice(0, -1).join('/');
      if (parent !== '') {
        expect(seen.has(parent)).toBe(true);
      }
      seen.add(e.path);
    }
    const link = entries.find((e) => e.path === 'usr/local/bin/orbit');
    expect(link?.linkTarget).toBe('/opt/orbit/bin/orbit/orbit');
    expect(entries.find((e) => e.path === 'opt/orbit/bin/orbit/orbit')?.linkTarget).toBe('/opt/orbit/bin/orbit/linux/stable/orbit');
    expect(entries.find((e) => e.path === 'etc/default/orbit')?.mode).toBe(0o600);
  });

  it('stops orbit on removal but not on upgrade, for each package manager', () => {
    const ctx = fakeContext('rpm', { platform: 'linux' });
    const rpm = linuxScripts(ctx, 'rpm');
    const deb = linuxScripts(ctx, 'deb');
    expect(rpm.preRemove).toContain('  0)');
    expect(deb.preRemove).toContain('  remove|deconfigure)');
    expect(rpm.postTrans).toContain('systemctl enable orbit.service');
    expect(deb.postTrans).toBeUndefined();
    for (const s of [rpm.postInstall, rpm.preRemove, rpm.postRemove, rpm.postTrans ?? '', deb.postInstall]) {
      execFileSync('sh', ['-n'], { input: s });
    }
  });

  it('does not enable the service with --service=false', () => {
    const ctx = fakeContext('deb', { platform: 'linux', options: { service: false } });
    expect(linuxScripts(ctx, 'deb').postInstall).not.toContain('systemctl enable');
  });
});
