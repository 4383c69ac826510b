import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { C_ISDIR, C_ISLNK, C_ISREG, OdcWriter, odcHeader } from '../../../../src/formats/cpio/odc.js';

async function build(add: (w: OdcWriter) => Promise<void>): Promise<Buffer> {
  const parts: Buffer[] = [];
  const w = new OdcWriter(async (c) => {
    parts.push(Buffer.from(c));
  });
  await add(w);
  const n = await w.end();
  const out = Buffer.concat(parts);
  expect(out.length).toBe(n);
  return out;
}

const base = { uid: 0, gid: 80, mtime: 1_700_000_000, ino: 1 };

describe('cpio odc writer', () => {
  it('encodes a header as fixed-width octal fields', () => {
    const h = odcHeader({ name: './a', mode: C_ISREG | 0o644, uid: 0, gid: 80, nlink: 1, mtime: 1_700_000_000, size: 5, ino: 7 });
    expect(h.toString('latin1')).toBe(
      '070707' +
        '000000' +
        '000007' +
        '100644' +
        '000000' +
        '000120' +
        '000001' +
        '000000' +
        '14524770400' +
        '000004' +
        '00000000005' +
        './a\0',
    );
  });

  it('ends with TRAILER!!! and pads to 512 bytes', async () => {
    const out = await build(async (w) => {
      await w.add({ ...base, name: '.', mode: C_ISDIR | 0o755, nlink: 2, size: 0 });
    });
    expect(out.length % 512).toBe(0);
    expect(out.includes(Buffer.from('TRAILER!!!\0'))).toBe(true);
  });

  it('rejects data that does not match the declared size', async () => {
    await expect(
      build(async (w) => {
        await w.add({ ...base, name: './f', mode: C_ISREG | 0o644, nlink: 1, size: 3 }, Buffer.from('four'));
      }),
    ).rejects.toThrow(/header says 3/);
  });

  it('rejects values that do not fit their field', () => {
    expect(() => odcHeader({ ...base, name: './f', mode: C_ISREG, nlink: 1, size: 8 ** 11 })).toThrow(/filesize/);
  });

  it.runIf(spawnSync('sh', ['-c', 'command -v cpio']).status === 0)(
    'is read back by GNU cpio, streamed chunks, symlinks and non-ASCII names included',
    async () => {
      async function* chunks(): AsyncGenerator<Uint8Array> {
        yield Buffer.from('hel');
        yield Buffer.from('lo\n');
      }
      const long = `./${'d'.repeat(200)}/é file.txt`;
      const out = await build(async (w) => {
        await w.add({ ...base, name: '.', mode: C_ISDIR | 0o755, nlink: 2, size: 0 });
        await w.add({ ...base, ino: 2, name: './hello', mode: C_ISREG | 0o755, nlink: 1, size: 6 }, chunks());
        await w.add({ ...base, ino: 3, name: './empty', mode: C_ISREG | 0o600, nlink: 1, size: 0 });
        await w.add({ ...base, ino: 4, name: './link', mode: C_ISLNK | 0o777, nlink: 1, size: 5 }, Buffer.from('hello'));
        await w.add({ ...base, ino: 5, name: `./${'d'.repeat(200)}`, mode: C_ISDIR | 0o755, nlink: 2, size: 0 });
        await w.add({ ...base, ino: 6, name: long, mode: C_ISREG | 0o644, nlink: 1, size: 1 }, Buffer.from('x'));
      });
      const r = spawnSync('cpio', ['-itv', '--quiet'], {
        input: out,
        encoding: 'utf8',
        env: { ...process.env, TZ: 'UTC', LC_ALL: 'C.UTF-8' },
      });
      expect(r.status).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines.map((l) => l.split(/\s+/).slice(0, 5).join(' '))).toEqual([
        'drwxr-xr-x 2 root 80 0',
        '-rwxr-xr-x 1 root 80 6',
        '-rw------- 1 root 80 0',
        'lrwxrwxrwx 1 root 80 5',
        'drwxr-xr-x 2 root 80 0',
        '-rw-r--r-- 1 root 80 1',
      ]);
      expect(lines[3]).toMatch(/\.\/link -> hello$/);
      expect(lines[5]?.endsWith(long)).toBe(true);
      const data = spawnSync('cpio', ['-i', '--quiet', '--to-stdout', './hello'], { input: out });
      expect(data.stdout.toString()).toBe('hello\n');
    },
  );
});
