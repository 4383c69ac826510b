import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parse as parsePlist } from 'plist';
import { pkgPackager } from '../../../../src/packaging/pkg/packager.js';
import { needsLegacyVarLibSymlink, shellQuote } from '../../../../src/packaging/pkg/metadata.js';
import { cksum } from '../../../../src/formats/cksum.js';
import { readBom } from '../../../helpers/readers/bom-reader.js';
import {
  child,
  childText,
  extractFile,
  heapRanges,
  parseXml,
  readXar,
  verifyTocChecksum,
  type XarArchive,
} from '../../../helpers/readers/xar-reader.js';
import { cleanupContexts, APP, buildPkgFile, parseOdcGzip, pkgContext } from './fixture.js';

const S_IFMT = 0o170000;

function plistOf(x: XarArchive): Record<string, unknown> {
  const m = parseOdcGzip(extractFile(x, 'base.pkg/Payload')).find((e) => e.name === './Library/LaunchDaemons/com.fleetdm.orbit.plist');
  if (m === undefined) {
    throw new Error('no plist');
  }
  return parsePlist(m.data.toString('utf8')) as Record<string, unknown>;
}

describe('pkg packager', () => {
  afterAll(cleanupContexts);

  it('implements the Packager contract', () => {
    expect(pkgPackager.type).toBe('pkg');
    expect(pkgPackager.tufPlatform('amd64')).toBe('macos');
    expect(pkgPackager.tufPlatform('arm64')).toBe('macos');
    expect(pkgPackager.fileName('1.38.0', pkgContext().options)).toBe('fleet-osquery.pkg');
  });

  it('writes a product archive whose members all verify', async () => {
    const x = readXar(await buildPkgFile(pkgContext({}, 3 << 20)));
    expect(verifyTocChecksum(x)).toBe(true);
    expect(x.files.map((f) => `${f.type} ${f.path}`)).toEqual([
      'file Distribution',
      'directory base.pkg',
      'file base.pkg/Bom',
      'file base.pkg/PackageInfo',
      'file base.pkg/Payload',
      'file base.pkg/Scripts',
    ]);
    for (const f of x.files.filter((e) => e.type === 'file')) {
      expect(() => extractFile(x, f.path)).not.toThrow();
    }
    const ranges = heapRanges(x);
    for (let i = 1; i < ranges.length; i++) {
      expect(ranges[i]?.start).toBe(ranges[i - 1]?.end);
    }
  });

  it('has a BOM that lists exactly the payload, with modes, 0:80, sizes and cksum CRCs', async () => {
    const x = readXar(await buildPkgFile(pkgContext({}, 3 << 20)));
    const cpio = parseOdcGzip(extractFile(x, 'base.pkg/Payload'));
    const bom = readBom(extractFile(x, 'base.pkg/Bom'));
    const fromCpio = cpio.map((m) => {
      const isFile = (m.mode & S_IFMT) === 0o100000;
      return [m.name, m.mode.toString(8), m.uid, m.gid, isFile ? m.data.length : 0, isFile ? cksum(m.data) : 0];
    });
    const fromBom = bom.paths.map((p) => [
      p.path,
      p.mode.toString(8),
      p.uid,
      p.gid,
      p.type === 1 ? p.size : 0,
      p.type === 1 ? p.checksum : 0,
    ]);
    expect([...fromBom].sort()).toEqual([...fromCpio].sort());
    expect(cpio.every((m) => m.uid === 0 && m.gid === 80)).toBe(true);
    expect(cpio[0]?.name).toBe('.');
    expect(cpio.map((m) => m.name)).toContain(`./opt/orbit/${APP}/Contents/MacOS/osqueryd`);
    expect(cpio.map((m) => m.name)).toContain('./opt/orbit/bin/osqueryd/macos-app/stable/osqueryd.app.tar.gz.sha512');
  });

  it('fills PackageInfo and Distribution consistently with the payload', async () => {
    const x = readXar(await buildPkgFile(pkgContext()));
    const cpio = parseOdcGzip(extractFile(x, 'base.pkg/Payload'));
    const info = child(parseXml(extractFile(x, 'base.pkg/PackageInfo').toString()), 'pkg-info');
    expect(info?.attrs).toMatchObject({
      identifier: 'com.fleetdm.orbit.base.pkg',
      version: '1.38.0',
      'install-location': '/',
      auth: 'root',
    });
    const payload = info === undefined ? undefined : child(info, 'payload');
    expect(Number(payload?.attrs['numberOfFiles'])).toBe(cpio.length);
    const bytes = cpio.filter((m) => (m.mode & S_IFMT) === 0o100000).reduce((s, m) => s + m.data.length, 0);
    expect(Number(payload?.attrs['installKBytes'])).toBe(Math.ceil(bytes / 1024));
    const dist = child(parseXml(extractFile(x, 'Distribution').toString()), 'installer-gui-script');
    const refs = dist?.children.filter((c) => c.name === 'pkg-ref') ?? [];
    const located = refs.find((r) => r.text.trim().startsWith('#'));
    expect(located?.text.trim()).toBe('#base.pkg');
    expect(x.files.some((f) => f.path === located?.text.trim().slice(1) && f.type === 'directory')).toBe(true);
    expect(dist === undefined ? undefined : childText(dist, 'title')).toBe('Fleet osquery');
  });

  it('escapes the identifier and plist values', async () => {
    const x = readXar(await buildPkgFile(pkgContext({ identifier: 'com.example.a&b', fleetUrl: 'https://fleet.example.com/?a=1&b=<2>' })));
    const info = child(parseXml(extractFile(x, 'base.pkg/PackageInfo').toString()), 'pkg-info');
    expect(info?.attrs['identifier']).toBe('com.example.a&b.base.pkg');
    const env = plistOf(x)['EnvironmentVariables'] as Record<string, string>;
    expect(env['ORBIT_FLEET_URL']).toBe('https://fleet.example.com/?a=1&b=<2>');
  });

  it('maps pkg options into the launchd environment', async () => {
    const x = readXar(
      await buildPkgFile(
        pkgContext({
          debug: true,
          insecure: true,
          useSystemConfiguration: true,
          enableScripts: true,
          disableUpdates: true,
          disableKeystore: true,
          fleetDesktop: true,
          desktopChannel: 'edge',
          fleetDesktopAlternativeBrowserHost: 'alt.example.com:8443',
          hostIdentifier: 'instance',
          osqueryDb: '/var/db/osquery',
          updateTlsCertificate: '/tmp/update.pem',
          bypassEndUserAuth: true,
        }),
      ),
    );
    const p = plistOf(x);
    expect(p).toMatchObject({
      Label: 'com.fleetdm.orbit',
      KeepAlive: true,
      RunAtLoad: true,
      ThrottleInterval: 10,
      ProgramArguments: ['/opt/orbit/bin/orbit/orbit'],
    });
    expect(p['EnvironmentVariables']).toEqual({
      ORBIT_DEBUG: 'true',
      ORBIT_INSECURE: 'true',
      ORBIT_ENROLL_SECRET_PATH: '/opt/orbit/secret.txt',
      ORBIT_FLEET_URL: 'https://fleet.example.com',
      ORBIT_USE_SYSTEM_CONFIGURATION: 'true',
      ORBIT_ENABLE_SCRIPTS: 'true',
      ORBIT_DISABLE_UPDATES: 'true',
      ORBIT_ORBIT_CHANNEL: 'stable',
      ORBIT_OSQUERYD_CHANNEL: 'stable',
      ORBIT_UPDATE_URL: 'https://updates.fleetdm.com',
      ORBIT_UPDATE_TLS_CERTIFICATE: '/opt/orbit/update.pem',
      ORBIT_FLEET_DESKTOP: 'true',
      ORBIT_DESKTOP_CHANNEL: 'edge',
      ORBIT_FLEET_DESKTOP_ALTERNATIVE_BROWSER_HOST: 'alt.example.com:8443',
      ORBIT_UPDATE_INTERVAL: '15m0s',
      ORBIT_HOST_IDENTIFIER: 'instance',
      ORBIT_DISABLE_KEYSTORE: 'true',
      ORBIT_OSQUERY_DB: '/var/db/osquery',
    });
  });

  it('omits the launch daemon and the launchctl block without --service', async () => {
    const x = readXar(await buildPkgFile(pkgContext({ service: false })));
    const names = parseOdcGzip(extractFile(x, 'base.pkg/Payload')).map((m) => m.name);
    expect(names.some((n) => n.startsWith('./Library'))).toBe(false);
    const scripts = parseOdcGzip(extractFile(x, 'base.pkg/Scripts'));
    expect(scripts.map((m) => [m.name, m.mode.toString(8)])).toEqual([
      ['.', '40755'],
      ['./postinstall', '100744'],
    ]);
    const script = scripts[1]?.data.toString() ?? '';
    expect(script).toContain('ln -sf /opt/orbit/bin/orbit/macos/stable/orbit /opt/orbit/bin/orbit/orbit');
    expect(script).not.toContain('launchctl');
  });

  it('is reproducible and writes nothing but ctx.outPath', async () => {
    const ctx = pkgContext({}, 3 << 20);
    const before = new Set(readdirSync(ctx.tmpDir));
    const a = await buildPkgFile(ctx);
    const after = readdirSync(dirname(ctx.outPath)).filter((n) => !before.has(n));
    expect(after).toEqual([basename(ctx.outPath)]);
    const b = await buildPkgFile({ ...ctx, outPath: `${ctx.outPath}.2` });
    expect(a.equals(b)).toBe(true);
  });

  it('quotes shell words and detects legacy orbit versions', () => {
    expect(shellQuote('/opt/orbit/bin/orbit/macos/stable/orbit')).toBe('/opt/orbit/bin/orbit/macos/stable/orbit');
    expect(shellQuote("a b'c")).toBe(`'a b'\\''c'`);
    expect(needsLegacyVarLibSymlink('0.0.10')).toBe(true);
    expect(needsLegacyVarLibSymlink('0.0.11')).toBe(false);
    expect(needsLegacyVarLibSymlink('1.38.0')).toBe(false);
  });
});
