/**
 * Writes a complete rpm v4 package: lead, signature header (padded to 8), main header, payload.
 *
 * The headers describe the payload (file digests, sizes, the payload digest), and the signature
 * header in turn describes the main header plus payload (SHA-1/SHA-256/MD5, SIZE), so the bytes must
 * be produced back to front while the file is read front to back. The writer therefore:
 *   1. streams the compressed payload to a spool file in the scratch directory (never to memory),
 *      collecting every digest on the way;
 *   2. builds the main header, whose length is now fixed;
 *   3. writes the main header and copies the spool after it, computing the MD5 as it goes, leaving
 *      room for lead + signature header, whose length does not depend on any digest value;
 *   4. writes lead + signature header into that room (an optional OpenPGP signature over the main
 *      header, from a caller's callback, is made right after step 2).
 * Peak memory is a few compression segments, whatever the payload size. Output is a pure function
 * of the spec (no clock, host name or randomness), so equal inputs give byte-identical packages.
 *
 * Specs: https://github.com/rpm-software-management/rpm/blob/master/docs/manual/format_v4.md,
 * https://github.com/rpm-software-management/rpm/blob/master/docs/manual/format_lead.md.
 */
import { createHash, randomUUID } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { planFiles } from './file-list.js';
import { LEAD_LENGTH, rpmLead } from './lead.js';
import { buildMainHeader, nvr, type RpmSpec } from './main-header.js';
import { forEachChunk } from '../file-sink.js';
import { writePayload, type PayloadOptions, type PayloadResult } from './payload.js';
import { DEFAULT_RESERVED_SPACE, buildSignatureHeader, fitReservedSpace } from './signature.js';

export interface RpmWriteOptions extends PayloadOptions {
  /** The package file to create (truncated if it exists). */
  readonly outPath: string;
  /** Scratch directory for the payload spool file. */
  readonly tmpDir: string;
  /** Zero bytes kept in the signature header for in-place `rpmsign` (default 4128, as rpmbuild). */
  readonly reservedSpace?: number;
  /**
   * Signs the main header (magic to end of data): returns a binary, detached OpenPGP v4 signature
   * packet for the signature header. Key handling stays with the caller.
   */
  readonly sign?: (mainHeader: Buffer) => Promise<Uint8Array>;
  /** Progress: `compressing` while the payload streams, `writing` while the package is assembled. */
  readonly onStage?: (stage: 'compressing' | 'writing') => void;
}

export interface RpmWriteResult {
  /** Total package size in bytes. */
  readonly size: number;
  readonly signatureHeaderSize: number;
  readonly mainHeaderSize: number;
  readonly payload: PayloadResult;
}

const COPY_CHUNK = 1 << 20;

/** fs writes may be short; loop until the whole buffer is on disk. */
async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

async function spoolPayload(
  spec: RpmSpec,
  opts: RpmWriteOptions,
  spoolPath: string,
): Promise<{ payload: PayloadResult; files: ReturnType<typeof planFiles> }> {
  const files = planFiles(spec.files, spec.fileFlags);
  const spool = await open(spoolPath, 'wx', 0o600);
  try {
    let pos = 0;
    const payload = await writePayload(
      files,
      async (chunk) => {
        await writeAll(spool, chunk, pos);
        pos += chunk.length;
      },
      opts,
    );
    return { payload, files };
  } finally {
    await spool.close();
  }
}

export async function writeRpm(spec: RpmSpec, opts: RpmWriteOptions): Promise<RpmWriteResult> {
  const spoolPath = join(opts.tmpDir, `rpm-payload-${randomUUID()}.spool`);
  try {
    opts.onStage?.('compressing');
    const { payload, files } = await spoolPayload(spec, opts, spoolPath);

    opts.onStage?.('writing');
    const header = buildMainHeader(spec, files, payload, opts);
    // The OpenPGP signature covers the main header only, so it is known before the payload is copied.
    const openpgp = opts.sign === undefined ? undefined : await opts.sign(header);
    const unfitted = {
      headerSha1: createHash('sha1').update(header).digest('hex'),
      headerSha256: createHash('sha256').update(header).digest('hex'),
      size: header.length + payload.compressedSize,
      payloadSize: payload.archiveSize,
      reservedSpace: opts.reservedSpace ?? DEFAULT_RESERVED_SPACE,
      ...(openpgp === undefined ? {} : { openpgp }),
    };
    const sigValues = { ...unfitted, reservedSpace: fitReservedSpace({ ...unfitted, md5: new Uint8Array(16) }) };
    // Digest values have fixed lengths, so a placeholder MD5 gives the final signature header length.
    const sigLength = buildSignatureHeader({ ...sigValues, md5: new Uint8Array(16) }).length;
    const headerAt = LEAD_LENGTH + sigLength;

    const out = await open(opts.outPath, 'w', 0o644);
    try {
      await out.truncate(0);
      await writeAll(out, header, headerAt);
      const md5 = createHash('md5').update(header);
      let pos = headerAt + header.length;
      await forEachChunk(
        spoolPath,
        async (buf) => {
          md5.update(buf);
          await writeAll(out, buf, pos);
          pos += buf.length;
        },
        COPY_CHUNK,
      );
      if (pos !== headerAt + header.length + payload.compressedSize) {
        throw new Error('rpm: payload spool changed while the package was assembled');
      }
      const sig = buildSignatureHeader({ ...sigValues, md5: md5.digest() });
      if (sig.length !== sigLength) {
        throw new Error('rpm: signature header length changed between layout and write');
      }
      await writeAll(out, Buffer.concat([rpmLead(nvr(spec), spec.arch), sig]), 0);
      return { size: pos, signatureHeaderSize: sig.length, mainHeaderSize: header.length, payload };
    } finally {
      await out.close();
    }
  } finally {
    await rm(spoolPath, { force: true });
  }
}
