import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import CFB from 'cfb';
import { fakeContext, fakeOptions } from '../../../helpers/fake-context.js';
import { createMsiPackager, msiPackager } from '../../../../src/packaging/msi/index.js';
import { orbitEnvironment, multiString } from '../../../../src/packaging/msi/environment.js';
import { isShortName, msiFileName, IdAllocator } from '../../../../src/packaging/msi/names.js';
import { nameGuid, randomGuid } from '../../../../src/packaging/msi/guid.js';
import { productVersion, versionAtLeast } from '../../../../src/packaging/msi/version.js';
import type { BuildContext } from '../../../../src/packaging/types.js';
import { seededRandom } from './seeded-random.js';

async function build(ctx: BuildContext, seed: string): Promise<Buffer> {
  await createMsiPackager({ random: seededRandom(seed) }).build(ctx);
  return readFileSync(ctx.outPath);
}

describe('msi packager', () => {
  it('names outputs and TUF platforms', () => {
    expect(msiPackager.type).toBe('msi');
    expect(msiPackager.fileName('1.38.0', fakeOptions('msi'))).toBe('fleet-osquery.msi');
    expect(msiPackager.fileName('1.38.0', fakeOptions('msi', { arch: 'arm64' }))).toBe('fleet-osquery-arm64.msi');
    expect(msiPackager.tufPlatform('amd64')).toBe('windows');
    expect(msiPackager.tufPlatform('arm64')).toBe('windows-arm64');
  });

  it('is byte-identical for the same mtime and random source, different otherwise', async () => {
    const ctx = fakeContext('msi', { platform: 'windows', exe: '.exe', binarySize: 70_000 });
    const a = await build(ctx, 'one');
    const b = await build(ctx, 'one');
    const c = await build(ctx, 'two');
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect(a.length).toBe(c.length);
  });

  it('writes an MSI compound file with the summary template per arch', async () => {
    for (const [arch, template] of [
      ['amd64', 'x64;1033'],
      ['arm64', 'Arm64;1033'],
    ] as const) {
      const ctx = fakeContext('msi', { platform: arch === 'arm64' ? 'windows-arm64' : 'windows', exe: '.exe', options: { arch } });
      const buf = await build(ctx, arch);
      const c = CFB.read(buf, { type: 'buffer' });
      const summary = Buffer.from(CFB.find(c, '/\u0005SummaryInformation')!.content as Uint8Array);
      expect(summary.includes(Buffer.from(template + '\0', 'latin1'))).toBe(true);
      expect(buf.subarray(0, 8).toString('hex')).toBe('d0cf11e0a1b11ae1');
    }
  });

  it('removes nothing it did not write when the build fails', async () => {
    const ctx = fakeContext('msi', { platform: 'windows', exe: '.exe' });
    const broken = {
      ...ctx,
      orbitRoot: ctx.orbitRoot.map((e) => (e.path === ctx.targets.osqueryd.relPath ? { ...e, size: e.size + 1 } : e)),
    };
    await expect(build(broken, 'x')).rejects.toThrow(/declared/);
    expect(() => readFileSync(ctx.outPath)).toThrow();
  });
});

describe('orbit environment', () => {
  const features = { endUserEmail: true, euaToken: true, fleetCertificate: false, updateTlsCertificate: false };

  it('lists the minimal settings in Fleet order', () => {
    const env = orbitEnvironment(fakeOptions('msi', { updateUrl: '' }), { ...features, endUserEmail: false, euaToken: false });
    expect(env).toEqual([
      'ORBIT_ROOT_DIR=[ORBITROOT].',
      'ORBIT_LOG_FILE=[System64Folder]config\\systemprofile\\AppData\\Local\\FleetDM\\Orbit\\Logs\\orbit-osquery.log',
      'ORBIT_FLEET_URL=[FLEET_URL]',
      'ORBIT_ENROLL_SECRET_PATH=[ORBITROOT]secret.txt',
      'ORBIT_UPDATE_INTERVAL=15m0s',
      'ORBIT_FLEET_DESKTOP=[FLEET_DESKTOP]',
      'ORBIT_DESKTOP_CHANNEL=stable',
      'ORBIT_ORBIT_CHANNEL=stable',
      'ORBIT_OSQUERYD_CHANNEL=stable',
      'ORBIT_ENABLE_SCRIPTS=[ENABLE_SCRIPTS]',
      'ORBIT_BYPASS_END_USER_AUTH=[BYPASS_END_USER_AUTH]',
    ]);
  });

  it('adds optional settings and escapes literals', () => {
    const env = orbitEnvironment(
      fakeOptions('msi', {
        insecure: true,
        debug: true,
        disableUpdates: true,
        hostIdentifier: 'instance',
        osqueryDb: 'D:\\db[1]',
        disableSetupExperience: true,
        fleetDesktopAlternativeBrowserHost: 'h:1',
      }),
      { ...features, fleetCertificate: true, updateTlsCertificate: true },
    );
    expect(env).toContain('ORBIT_FLEET_CERTIFICATE=[ORBITROOT]fleet.pem');
    expect(env).toContain('ORBIT_INSECURE=true');
    expect(env).toContain('ORBIT_DEBUG=true');
    expect(env).toContain('ORBIT_UPDATE_TLS_CERTIFICATE=[ORBITROOT]update.pem');
    expect(env).toContain('ORBIT_DISABLE_UPDATES=true');
    expect(env).toContain('ORBIT_HOST_IDENTIFIER=instance');
    expect(env).toContain('ORBIT_END_USER_EMAIL=[END_USER_EMAIL]');
    expect(env).toContain('ORBIT_EUA_TOKEN=[EUA_TOKEN]');
    expect(env).toContain('ORBIT_OSQUERY_DB=D:\\db[\\[]1[\\]]');
    expect(env).toContain('ORBIT_DISABLE_SETUP_EXPERIENCE=true');
    expect(env).toContain('ORBIT_FLEET_DESKTOP_ALTERNATIVE_BROWSER_HOST=h:1');
    expect(multiString(['A=1', 'B=2'])).toBe('A=1[~]B=2');
  });
});

describe('names, GUIDs, versions', () => {
  it('knows 8.3 names and derives stable short names', () => {
    expect(isShortName('orbit.exe')).toBe(true);
    expect(isShortName('osquery.flags')).toBe(false);
    expect(isShortName('windows-arm64')).toBe(false);
    expect(msiFileName('certs.pem', 'ORBITROOT')).toBe('certs.pem');
    const n = msiFileName('tuf-metadata.json', 'ORBITROOT');
    expect(n).toMatch(/^[a-z0-9]{8}\.jso\|tuf-metadata\.json$/);
    expect(msiFileName('tuf-metadata.json', 'ORBITROOT')).toBe(n);
    expect(() => msiFileName('a|b', 'X')).toThrow();
  });

  it('allocates unique identifiers', () => {
    const ids = new IdAllocator();
    expect(ids.derive('F_', 'a-b')).toBe('F_a_b');
    expect(ids.derive('F_', 'a_b')).toBe('F_a_b_2');
    expect(ids.derive('D_', 'x'.repeat(100)).length).toBeLessThanOrEqual(72);
  });

  it('formats GUIDs', () => {
    expect(randomGuid(() => Buffer.alloc(16, 0xff))).toBe('{FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF}');
    const g = nameGuid('{B681CB20-107E-428A-9B14-2D3C1AFED244}', 'certs.pem');
    expect(g).toMatch(/^\{[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}\}$/);
    expect(nameGuid('{B681CB20-107E-428A-9B14-2D3C1AFED244}', 'certs.pem')).toBe(g);
  });

  it('sanitises product versions', () => {
    expect(productVersion('1.38.0')).toBe('1.38.0');
    expect(productVersion('1.2.3-4')).toBe('1.2.3.4');
    expect(productVersion('1.2')).toBe('1.2.0');
    expect(() => productVersion('1.2.3-alpha')).toThrow(/ProductVersion/);
    expect(() => productVersion('256.0.0')).toThrow(/range/);
    expect(versionAtLeast('1.55.0', '1.55.0')).toBe(true);
    expect(versionAtLeast('1.54.9', '1.55.0')).toBe(false);
    expect(versionAtLeast('1.60.1', '1.28.0')).toBe(true);
  });
});
