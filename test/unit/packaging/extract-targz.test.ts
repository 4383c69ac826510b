import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

type Headers = Parameters<ReturnType<typeof pack>['entry']>[0];
import { extractTarGz } from '../../../src/packaging/extract-targz.js';

async function tgz(entries: Array<[Headers, string?]>): Promise<string> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const [h, body] of entries) {
    if (body === undefined) {
      p.entry(h);
    } else {
      p.entry(h, body);
    }
  }
  p.finalize();
  await done;
  const f = join(mkdtempSync(join(tmpdir(), 'tgz-')), 'a.tar.gz');
  writeFileSync(f, gzipSync(Buffer.concat(chunks)));
  return f;
}

describe('extractTarGz', () => {
  it('extracts files with their modes, creating missing parents', async () => {
    const f = await tgz([[{ name: 'Fleet Desktop.app/Contents/MacOS/fleet-desktop', mode: 0o755 }, 'bin']]);
    const dest = mkdtempSync(join(tmpdir(), 'x-'));
    const out = await extractTarGz(f, dest, 'test');
    expect(out).toEqual([expect.objectContaining({ path: 'Fleet Desktop.app/Contents/MacOS/fleet-desktop', mode: 0o755, size: 3 })]);
    expect(readFileSync(join(dest, 'Fleet Desktop.app/Contents/MacOS/fleet-desktop'), 'utf8')).toBe('bin');
  });

  it.each([
    ['a path with ..', [{ name: '../evil', mode: 0o644 }, 'x'] as [Headers, string]],
    ['an absolute path', [{ name: '/etc/evil', mode: 0o644 }, 'x'] as [Headers, string]],
    ['a symlink', [{ name: 'link', type: 'symlink', linkname: '/etc/passwd' }] as [Headers, string?]],
  ])('refuses %s', async (_n, entry) => {
    const f = await tgz([entry as [Headers, string?]]);
    const dest = mkdtempSync(join(tmpdir(), 'x-'));
    await expect(extractTarGz(f, dest, 'target t')).rejects.toThrow(/target t: (unsafe path|unsupported entry type)/);
    expect(existsSync(join(dest, '..', 'evil'))).toBe(false);
  });
});
