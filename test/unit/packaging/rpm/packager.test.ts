import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fakeContext as makeFakeContext, fakeOptions, FAKE_MTIME } from '../../../helpers/fake-context.js';
import { createRpmPackager, fleetRpmSpec, rpmEntries, rpmPackager } from '../../../../src/packaging/rpm/packager.js';
import { rpmArch, rpmFileName, rpmVersion } from '../../../../src/packaging/rpm/metadata.js';
import { Tag } from '../../../../src/formats/rpm/tags.js';
import { parseRpm, str, strs } from '../../formats/rpm/rpm-reader.js';

const scratch: string[] = [];
const fakeContext: typeof makeFakeContext = (...args) => {
  const ctx = makeFakeContext(...args);
  scratch.push(ctx.tmpDir);
  return ctx;
};
afterAll(() => {
  for (const d of scratch) {
    rmSync(d, { recursive: true, force: true });
  }
});

describe('rpm packager', () => {
  it('names packages and architectures as Fleet does', () => {
    expect(rpmPackager.type).toBe('rpm');
    expect(rpmPackager.fileName('1.38.0', fakeOptions('rpm'))).toBe('fleet-osquery-1.38.0.x86_64.rpm');
    expect(rpmPackager.fileName('1.38.0', fakeOptions('rpm', { arch: 'arm64' }))).toBe('fleet-osquery-1.38.0.aarch64.rpm');
    expect(rpmPackager.tufPlatform('amd64')).toBe('linux');
    expect(rpmPackager.tufPlatform('arm64')).toBe('linux-arm64');
    expect(rpmArch('arm64')).toBe('aarch64');
    expect(rpmVersion('1.40.0-rc1')).toBe('1.40.0~rc1');
    expect(rpmFileName('1.40.0-rc1', 'amd64')).toBe('fleet-osquery-1.40.0~rc1.x86_64.rpm');
  });

  it('owns the orbit tree and log dirs but no system directories', async () => {
    const ctx = fakeContext('rpm', { platform: 'linux' });
    const paths = (await rpmEntries(ctx)).map((e) => e.path);
    for (const system of ['etc', 'etc/default', 'opt', 'usr', 'usr/lib/systemd/system', 'usr/local/bin', 'var', 'var/log']) {
      expect(paths).not.toContain(system);
    }
    for (const own of ['opt/orbit', 'opt/orbit/staging', 'var/log/orbit', 'var/log/osquery', 'etc/default/orbit', 'usr/local/bin/orbit']) {
      expect(paths).toContain(own);
    }
  });

  it('uses options.mtime for every entry and the build time', async () => {
    const ctx = fakeContext('rpm', { platform: 'linux', options: { mtime: 1_234_567_890 } });
    const spec = await fleetRpmSpec(ctx);
    expect(spec.files.every((e) => e.mtime === 1_234_567_890)).toBe(true);
    expect(spec.buildTime).toBe(1_234_567_890);
    expect(FAKE_MTIME).not.toBe(1_234_567_890);
  });

  it('ships the four rpm scriptlets', async () => {
    const spec = await fleetRpmSpec(fakeContext('rpm', { platform: 'linux' }));
    expect(Object.keys(spec.scripts ?? {}).sort()).toEqual(['postIn', 'postTrans', 'postUn', 'preUn']);
    for (const s of Object.values(spec.scripts ?? {})) {
      expect(s?.body.startsWith('#!/bin/sh\n')).toBe(true);
    }
  });

  it('builds a package into ctx.outPath only', async () => {
    const ctx = fakeContext('rpm', { platform: 'linux-arm64', options: { arch: 'arm64' }, binarySize: 3 << 20 });
    await rpmPackager.build(ctx);
    const rpm = parseRpm(readFileSync(ctx.outPath));
    expect(str(rpm.header, Tag.ARCH)).toBe('aarch64');
    expect(str(rpm.header, Tag.VERSION)).toBe('1.38.0');
    expect(strs(rpm.header, Tag.BASENAMES)).toContain('osqueryd');
    expect(gunzipSync(rpm.payload).length).toBeGreaterThan(6 << 20);
    // nothing else is left behind: no spool file, no other output
    expect(readdirSync(ctx.tmpDir).sort()).toEqual(['orbit', 'osqueryd', 'out.rpm.partial']);
  });

  it('supports an uncompressed payload and rejects unknown compressions and levels', async () => {
    const ctx = fakeContext('rpm', { platform: 'linux' });
    const out = join(ctx.tmpDir, 'none.rpm');
    await createRpmPackager({ compression: 'none' }).build({ ...ctx, outPath: out });
    expect(parseRpm(readFileSync(out)).payload.subarray(0, 6).toString()).toBe('070701');
    expect(() => createRpmPackager({ compression: 'xz' as 'gzip' })).toThrow(/unsupported rpm compression/);
    expect(() => createRpmPackager({ level: 0 })).toThrow(/level/);
  });
});
