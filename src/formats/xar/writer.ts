/**
 * Writes a xar archive (the container of macOS flat packages; see `spec.ts` for the format and its
 * sources) to an async byte sink, streaming large members from disk.
 *
 * The TOC comes before the heap and records every member's offset, length and checksums, so sizes
 * and hashes must be known before the first heap byte is written. Small members (`bytes`) are hashed
 * and, on request, zlib-compressed in memory. Large members (`file`) are already on disk — typically
 * the gzip `Payload` spooled there by the caller, who passes its length and SHA-1 so no second read
 * is needed — and are copied into the output in 1 MiB chunks: memory does not grow with their size.
 *
 * Signing hook: a separate signer (RSA + CMS, as productsign does) needs the final TOC to include
 * its `<signature>`/`<x-signature>` elements and reserved heap space, and it signs the TOC checksum.
 * `XarSigner.slots` declares those elements and sizes up front; the writer places them right after
 * the 20-byte checksum (heap offset 20, then 20 + the first slot's size, exactly Apple's layout),
 * shifts the file data after them, hashes the compressed TOC and calls `sign()` with the checksum,
 * then writes each blob zero-padded to its reserved size.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { constants, deflateSync } from 'node:zlib';
import { InternalError } from '../../core/errors.js';
import { SHA1_SIZE, XAR_CKSUM_SHA1, XAR_HEADER_SIZE, XAR_MAGIC, XAR_VERSION } from './spec.js';
import { tocXml, type TocData, type TocFile, type TocSignature } from './toc.js';

export type XarSink = (chunk: Buffer) => Promise<void>;

export type XarContent =
  /** In-memory content; `compress` stores it as a zlib stream (`application/x-gzip`). */
  | { readonly kind: 'bytes'; readonly data: Uint8Array; readonly compress?: boolean }
  /** A file on disk, stored as is. Pass `sha1` (hex) when already known to skip a hashing pass. */
  | { readonly kind: 'file'; readonly path: string; readonly length: number; readonly sha1?: string };

export interface XarEntry {
  /** Path inside the archive, `/`-separated, e.g. `base.pkg/Payload`. Parents must be listed. */
  readonly path: string;
  readonly type: 'file' | 'directory';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly user: string;
  readonly group: string;
  /** Unix seconds. */
  readonly mtime: number;
  readonly content?: XarContent;
}

export interface XarSignatureSlot {
  readonly element: 'signature' | 'x-signature';
  /** `RSA` or `CMS` for productsign-compatible signatures. */
  readonly style: string;
  /** Reserved heap bytes (the RSA modulus length; 9216 for Apple's CMS). */
  readonly size: number;
  /** DER certificates listed in the element's KeyInfo, leaf first. */
  readonly certificates: readonly Uint8Array[];
}

export interface XarSigner {
  readonly slots: readonly XarSignatureSlot[];
  /**
   * Signs the archive. `checksum` is the SHA-1 of `compressedToc` as stored in the heap. Returns one
   * blob per slot, each at most the slot's size (the writer zero-pads it).
   */
  sign(checksum: Buffer, compressedToc: Buffer): Promise<readonly Uint8Array[]>;
}

export interface XarWriteOptions {
  /** Unix seconds for `<creation-time>`; omitted when undefined. */
  readonly creationTime?: number;
  readonly signer?: XarSigner;
}

export interface XarWriteResult {
  readonly size: number;
  /** SHA-1 of the compressed TOC (what a signer signs, and what notarization tickets are keyed by). */
  readonly tocChecksum: Buffer;
}

interface Prepared {
  readonly entry: XarEntry;
  readonly id: number;
  readonly name: string;
  readonly children: Prepared[];
  stored?: Buffer; // in-memory stored bytes
  data?: Omit<TocData, 'offset'>;
}

const sha1hex = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');

async function hashFile(path: string): Promise<{ sha1: string; length: number }> {
  const h = createHash('sha1');
  let length = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  return { sha1: h.digest('hex'), length };
}

/** Nests entries by path and assigns ids depth-first in bytewise name order. */
function buildTree(entries: readonly XarEntry[]): Prepared[] {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const byPath = new Map<string, Prepared>();
  const roots: Prepared[] = [];
  for (const e of sorted) {
    if (e.path === '' || e.path.startsWith('/') || e.path.split('/').some((p) => p === '' || p === '.' || p === '..')) {
      throw new InternalError('E_XAR_PATH', `xar: invalid member path ${JSON.stringify(e.path)}`);
    }
    if (byPath.has(e.path)) {
      throw new InternalError('E_XAR_DUP', `xar: duplicate member ${e.path}`);
    }
    if ((e.type === 'directory') !== (e.content === undefined)) {
      throw new InternalError('E_XAR_TYPE', `xar: ${e.path}: directories have no content, files must have content`);
    }
    const slash = e.path.lastIndexOf('/');
    const node: Prepared = { entry: e, id: 0, name: e.path.slice(slash + 1), children: [] };
    byPath.set(e.path, node);
    if (slash < 0) {
      roots.push(node);
    } else {
      const parent = byPath.get(e.path.slice(0, slash));
      if (parent === undefined || parent.entry.type !== 'directory') {
        throw new InternalError('E_XAR_PARENT', `xar: ${e.path} has no parent directory entry`);
      }
      parent.children.push(node);
    }
  }
  // Bytewise path order is not sibling-name order ("a-b" sorts between "a" and "a/x"), so sort again.
  let nextId = 1;
  const number = (nodes: Prepared[]): void => {
    nodes.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    for (const n of nodes) {
      (n as { id: number }).id = nextId++;
      number(n.children);
    }
  };
  number(roots);
  return roots;
}

function flatten(nodes: readonly Prepared[], out: Prepared[] = []): Prepared[] {
  for (const n of nodes) {
    out.push(n);
    flatten(n.children, out);
  }
  return out;
}

async function prepareContent(n: Prepared): Promise<void> {
  const c = n.entry.content;
  if (c === undefined) {
    return;
  }
  if (c.kind === 'bytes') {
    const raw = Buffer.from(c.data.buffer, c.data.byteOffset, c.data.length);
    const stored = c.compress === true ? deflateSync(raw, { level: constants.Z_BEST_COMPRESSION }) : raw;
    n.stored = stored;
    const extractedSha1 = sha1hex(raw);
    n.data = {
      length: stored.length,
      size: raw.length,
      zlib: c.compress === true,
      archivedSha1: c.compress === true ? sha1hex(stored) : extractedSha1,
      extractedSha1,
    };
    return;
  }
  const known = c.sha1 !== undefined ? { sha1: c.sha1, length: c.length } : await hashFile(c.path);
  if (known.length !== c.length) {
    throw new InternalError('E_XAR_SIZE', `xar: ${c.path} is ${known.length} bytes, expected ${c.length}`);
  }
  n.data = { length: c.length, size: c.length, zlib: false, archivedSha1: known.sha1, extractedSha1: known.sha1 };
}

function tocFile(n: Prepared, offsets: ReadonlyMap<number, number>): TocFile {
  const e = n.entry;
  const offset = offsets.get(n.id);
  return {
    id: n.id,
    name: n.name,
    type: e.type,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    user: e.user,
    group: e.group,
    mtime: e.mtime,
    ...(n.data !== undefined && offset !== undefined ? { data: { ...n.data, offset } } : {}),
    children: n.children.map((c) => tocFile(c, offsets)),
  };
}

async function copyFile(path: string, length: number, sink: XarSink): Promise<void> {
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    n += (chunk as Buffer).length;
    await sink(chunk as Buffer);
  }
  if (n !== length) {
    throw new InternalError('E_XAR_SIZE', `xar: ${path} changed size while being archived (${n} ≠ ${length})`);
  }
}

export async function writeXar(sink: XarSink, entries: readonly XarEntry[], opts: XarWriteOptions = {}): Promise<XarWriteResult> {
  const roots = buildTree(entries);
  const all = flatten(roots);
  for (const n of all) {
    await prepareContent(n);
  }

  // Heap: checksum at 0, reserved signature slots after it, then member data in id order.
  const slots = opts.signer?.slots ?? [];
  let offset = SHA1_SIZE;
  const signatures: TocSignature[] = slots.map((s) => {
    const sig = { element: s.element, style: s.style, offset, size: s.size, certificates: s.certificates };
    offset += s.size;
    return sig;
  });
  const byId = [...all].sort((a, b) => a.id - b.id);
  const offsets = new Map<number, number>();
  for (const n of byId) {
    if (n.data !== undefined) {
      offsets.set(n.id, offset);
      offset += n.data.length;
    }
  }

  const xml = Buffer.from(
    tocXml({
      ...(opts.creationTime !== undefined ? { creationTime: opts.creationTime } : {}),
      checksum: { offset: 0, size: SHA1_SIZE },
      signatures,
      files: roots.map((r) => tocFile(r, offsets)),
    }),
    'utf8',
  );
  const compressedToc = deflateSync(xml, { level: constants.Z_BEST_COMPRESSION });
  const tocChecksum = createHash('sha1').update(compressedToc).digest();

  const header = Buffer.alloc(XAR_HEADER_SIZE);
  header.writeUInt32BE(XAR_MAGIC, 0);
  header.writeUInt16BE(XAR_HEADER_SIZE, 4);
  header.writeUInt16BE(XAR_VERSION, 6);
  header.writeBigUInt64BE(BigInt(compressedToc.length), 8);
  header.writeBigUInt64BE(BigInt(xml.length), 16);
  header.writeUInt32BE(XAR_CKSUM_SHA1, 24);

  let size = 0;
  const emit = async (b: Buffer): Promise<void> => {
    size += b.length;
    await sink(b);
  };
  await emit(header);
  await emit(compressedToc);
  await emit(tocChecksum);
  if (opts.signer !== undefined && slots.length > 0) {
    const blobs = await opts.signer.sign(tocChecksum, compressedToc);
    if (blobs.length !== slots.length) {
      throw new InternalError('E_XAR_SIGN', `xar: signer returned ${blobs.length} blobs for ${slots.length} slots`);
    }
    for (const [i, s] of slots.entries()) {
      const blob = blobs[i] as Uint8Array;
      if (blob.length > s.size) {
        throw new InternalError('E_XAR_SIGN', `xar: ${s.style} signature is ${blob.length} bytes, ${s.size} reserved`);
      }
      const padded = Buffer.alloc(s.size);
      padded.set(blob);
      await emit(padded);
    }
  }
  for (const n of byId) {
    const c = n.entry.content;
    if (n.stored !== undefined) {
      await emit(n.stored);
    } else if (c?.kind === 'file') {
      await copyFile(c.path, c.length, emit);
    }
  }
  return { size, tocChecksum };
}
