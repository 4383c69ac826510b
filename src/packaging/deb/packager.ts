/**
 * The .deb packager: ar(debian-binary, control.tar.gz, data.tar.gz) written without dpkg-deb.
 *
 * data.tar.gz is streamed to a temporary file first (MD5 sums and the installed size, both needed in
 * control.tar.gz, which precedes it in the ar archive, are computed on the way through), then the
 * small control archive is built in memory and the ar container is assembled into ctx.outPath.
 * Compression runs on every core through ParallelGzip and produces a single gzip member.
 * With options.gpgSigning, a debsigs-style `_gpgorigin` member follows data.tar.gz (see sign.ts).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ArchiveEntry } from '../../formats/entry.js';
import { AR_MAGIC, arMemberHeader, arPadding } from '../../formats/ar/ar-writer.js';
import { ParallelGzip } from '../../formats/gzip/parallel-gzip.js';
import { hashDigester } from '../../formats/content-cache.js';
import { TarWriter } from '../../formats/tar/tar-writer.js';
import { copyFileInto, openFileSink } from '../../formats/file-sink.js';
import type { BuildContext, Packager } from '../types.js';
import { linuxPayload, linuxScripts } from '../linux/payload.js';
import { debControl } from './control.js';
import { DEB_ORIGIN_SIGNATURE, debOriginSignature } from './sign.js';

/** Files at least this big are compressed on their own segments (so their compressed form is cacheable). */
const ALIGN_AT = 1 << 20;

function rootEntry(mtime: number): ArchiveEntry {
  return { path: '', type: 'dir', mode: 0o755, mtime, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 0 };
}

function fileEntry(path: string, mode: number, text: string, mtime: number): ArchiveEntry {
  const data = Buffer.from(text, 'utf8');
  return { path, type: 'file', mode, mtime, uid: 0, gid: 0, uname: 'root', gname: 'root', size: data.length, content: { kind: 'bytes', data } };
}

async function gzipTarInMemory(entries: readonly ArchiveEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  const gz = new ParallelGzip(async (b) => {
    parts.push(b);
  }, { level: 9 });
  const tar = new TarWriter((b) => gz.write(b));
  for (const e of entries) {
    await tar.add(e);
  }
  await tar.end();
  await gz.end();
  return Buffer.concat(parts);
}

export const debPackager: Packager = {
  type: 'deb',
  description: 'Debian/Ubuntu package (.deb)',
  tufPlatform: (arch) => (arch === 'arm64' ? 'linux-arm64' : 'linux'),
  fileName: (version, o) => `fleet-osquery_${version}_${o.arch}.deb`,

  async build(ctx: BuildContext): Promise<void> {
    const mtime = ctx.options.mtime;
    const payload = await linuxPayload(ctx);

    ctx.report('compressing', 'compressing data.tar.gz');
    const dataPath = join(ctx.tmpDir, 'data.tar.gz');
    const dataFile = await openFileSink(dataPath, 0o600);
    const md5sums: string[] = [];
    let installedBytes = 0;
    try {
      const gz = new ParallelGzip(dataFile.write, { level: 6 });
      const tar = new TarWriter((b) => gz.write(b));
      await tar.add(rootEntry(mtime));
      for (const e of payload) {
        if (e.type !== 'file') {
          // dpkg-gencontrol counts 1 KiB for every non-file object.
          installedBytes += 1024;
          await tar.add(e);
          continue;
        }
        installedBytes += Math.ceil(e.size / 1024) * 1024;
        const src = e.content;
        if (src?.kind === 'path' && e.size >= ALIGN_AT) {
          // Agent binaries: aligned, compressed once per build run (ctx.cache) and reused.
          let md5 = '';
          await tar.add(e, {
            writeContent: async () => {
              const d = await gz.writeFile(src.path, e.size, { digests: { md5: hashDigester('md5') }, ...(ctx.cache ? { cache: ctx.cache } : {}) });
              md5 = d['md5'] as string;
            },
          });
          md5sums.push(`${md5}  ${e.path}\n`);
          continue;
        }
        const md5 = createHash('md5');
        await tar.add(e, { onData: (c) => md5.update(c) });
        md5sums.push(`${md5.digest('hex')}  ${e.path}\n`);
      }
      await tar.end();
      await gz.end();
    } finally {
      await dataFile.close();
    }

    const scripts = linuxScripts(ctx, 'deb');
    const control = await gzipTarInMemory([
      rootEntry(mtime),
      fileEntry('control', 0o644, debControl(ctx.version, ctx.options.arch, Math.ceil(installedBytes / 1024)), mtime),
      fileEntry('md5sums', 0o644, md5sums.join(''), mtime),
      fileEntry('postinst', 0o755, scripts.postInstall, mtime),
      fileEntry('postrm', 0o755, scripts.postRemove, mtime),
      fileEntry('prerm', 0o755, scripts.preRemove, mtime),
    ]);

    const debianBinary = Buffer.from('2.0\n');
    const gpg = ctx.options.gpgSigning;
    let signature: Buffer | undefined;
    if (gpg !== undefined) {
      ctx.report('signing', 'OpenPGP origin signature');
      signature = await debOriginSignature(gpg, mtime, { debianBinary, control, dataPath });
    }

    ctx.report('writing', 'writing the .deb');
    const out = await openFileSink(ctx.outPath, 0o644);
    try {
      await out.write(AR_MAGIC);
      for (const [name, data] of [
        ['debian-binary', debianBinary],
        ['control.tar.gz', control],
      ] as const) {
        await out.write(arMemberHeader({ name, size: data.length, mtime }));
        await out.write(data);
        await out.write(arPadding(data.length));
      }
      const dataSize = dataFile.bytes();
      await out.write(arMemberHeader({ name: 'data.tar.gz', size: dataSize, mtime }));
      await copyFileInto(dataPath, out.write);
      await out.write(arPadding(dataSize));
      if (signature !== undefined) {
        await out.write(arMemberHeader({ name: DEB_ORIGIN_SIGNATURE, size: signature.length, mtime }));
        await out.write(signature);
        await out.write(arPadding(signature.length));
      }
    } finally {
      await out.close();
    }
  },
};
