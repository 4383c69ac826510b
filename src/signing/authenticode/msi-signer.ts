/**
 * Signs a Windows Installer package with Authenticode: reads the compound file, copies every stream
 * into a new compound file while hashing them in digest order (one pass over the data, streamed from
 * disk), signs the digest, optionally timestamps the signature, adds the `\u0005DigitalSignature`
 * stream and renames the result into place. Any earlier signature (and its MsiDigitalSignatureEx
 * pre-hash) is replaced. The input is never modified; the output appears atomically or not at all.
 *
 * Works on any MSI-family compound file with a flat root storage: packages we build and packages
 * made by WiX, wixl or anyone else.
 */
import { createHash } from 'node:crypto';
import { rename, unlink } from 'node:fs/promises';
import { UserError } from '../../core/errors.js';
import { CompoundFileFormatError, CompoundFileReader, type CfbEntry } from '../../formats/cfb/reader.js';
import { CompoundFileWriter } from '../../formats/cfb/writer.js';
import { MINI_STREAM_CUTOFF } from '../../formats/cfb/constants.js';
import type { SigningIdentity } from '../identity.js';
import type { RetryPolicy } from '../retry.js';
import { requestTimestampFromAny } from '../tsa.js';
import { checkCodeSigningCertificate } from './certificate-check.js';
import { msiIndirectData } from './indirect-data.js';
import { digestOrder, isSignatureStream, SIGNATURE_STREAM } from './msi-digest.js';
import { buildAuthenticodeSignature } from './signed-data.js';

export interface MsiSignOptions {
  readonly identity: SigningIdentity;
  /** RFC 3161 servers, tried in order; no timestamp when empty or undefined. */
  readonly timestampUrls?: readonly string[];
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
  /** signingTime attribute (default: now); may be a fixed build time for reproducible output. */
  readonly signingTime?: Date;
  /** Clock for the certificate validity check (default: the real time, whatever signingTime says). */
  readonly now?: () => Date;
  /** Program name and URL Windows shows for the signature. */
  readonly description?: string;
  readonly url?: string;
  /** Temporary file written before the rename (default `<output>.partial`). */
  readonly partialPath?: string;
  /** Called when a timestamp server fails and the next one is tried. */
  readonly onTimestampFallback?: (url: string, e: Error) => void;
}

export interface MsiSignResult {
  /** The Authenticode digest (SHA-256). */
  readonly digest: Buffer;
  readonly signatureSize: number;
  readonly timestamp?: { readonly url: string; readonly genTime: Date };
}

const TSA_HINT =
  'check --timestamp-url and the network, or give several --timestamp-url to fall back; --timestamp-url=none signs without a timestamp';

async function openPackage(input: string): Promise<CompoundFileReader> {
  try {
    return await CompoundFileReader.open(input);
  } catch (e) {
    if (e instanceof CompoundFileFormatError) {
      throw new UserError('E_MSI_SIGN', `"${input}" is not a Windows Installer package (${e.message})`);
    }
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      throw new UserError(
        'E_MSI_SIGN',
        `"${input}" cannot be read: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : 'is a directory'}`,
      );
    }
    throw e;
  }
}

/** Copies one stream into the writer, feeding its bytes to `hash` when given. */
async function copyStream(reader: CompoundFileReader, writer: CompoundFileWriter, s: CfbEntry, hash?: (b: Buffer) => void): Promise<void> {
  if (s.size < MINI_STREAM_CUTOFF) {
    const data = await reader.read(s);
    hash?.(data);
    writer.addStream(s.name, data);
    return;
  }
  const out = writer.beginStream(s.name);
  for await (const chunk of reader.chunks(s)) {
    hash?.(chunk);
    await out.append(chunk);
  }
  await out.end();
}

export async function signMsi(input: string, output: string, o: MsiSignOptions): Promise<MsiSignResult> {
  const now = (o.now ?? (() => new Date()))();
  const signingTime = o.signingTime ?? now;
  checkCodeSigningCertificate(o.identity.leaf, now, 'the code signing certificate');
  const reader = await openPackage(input);
  const partial = o.partialPath ?? `${output}.partial`;
  let writer: CompoundFileWriter | undefined;
  try {
    const children = reader.children();
    const storages = children.filter((c) => c.kind !== 'stream');
    if (storages.length > 0) {
      throw new UserError(
        'E_MSI_SIGN',
        `"${input}" contains sub-storages (embedded transforms or a patch); signing those is not supported`,
      );
    }
    const streams = children.filter((c) => !isSignatureStream(c.name));
    const hashed = digestOrder(streams);
    const rest = streams.filter((s) => !hashed.includes(s));

    writer = await CompoundFileWriter.create(partial, { rootClsid: reader.root.clsid });
    const w = writer;
    const hash = createHash('sha256');
    for (const s of hashed) {
      await copyStream(reader, w, s, (b) => hash.update(b));
    }
    for (const s of rest) {
      await copyStream(reader, w, s);
    }
    hash.update(reader.root.clsid);
    const digest = hash.digest();

    const urls = o.timestampUrls ?? [];
    let timestamp: { url: string; genTime: Date } | undefined;
    const signature = await buildAuthenticodeSignature(msiIndirectData(digest), {
      identity: o.identity,
      signingTime,
      ...(o.description !== undefined ? { description: o.description } : {}),
      ...(o.url !== undefined ? { url: o.url } : {}),
      ...(urls.length > 0
        ? {
            timestamp: async (signatureValue: Buffer): Promise<Buffer> => {
              const t = await requestTimestampFromAny(signatureValue, urls, {
                hint: TSA_HINT,
                ...(o.retry !== undefined ? { retry: o.retry } : {}),
                ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
                ...(o.onTimestampFallback !== undefined ? { onFallback: o.onTimestampFallback } : {}),
              });
              timestamp = { url: t.url, genTime: t.genTime };
              return t.token;
            },
          }
        : {}),
    });
    w.addStream(SIGNATURE_STREAM, signature);
    await w.close();
    await reader.close();
    await rename(partial, output);
    return { digest, signatureSize: signature.length, ...(timestamp !== undefined ? { timestamp } : {}) };
  } catch (e) {
    await writer?.abort();
    await reader.close().catch(() => undefined);
    await unlink(partial).catch(() => undefined);
    throw e;
  }
}
