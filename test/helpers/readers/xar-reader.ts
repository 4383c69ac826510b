/**
 * An independent xar reader for tests, written from the format description (apple xar `xar.h.in`,
 * goxar, the project's pkg reference §1), not from our writer. It parses the 28-byte header, inflates
 * the zlib TOC, parses the TOC XML with a small non-validating parser, and extracts and verifies
 * every file: archived and extracted SHA-1 (or other style) checksums, sizes, and the TOC checksum
 * stored in the heap. It holds the whole archive in memory: tests only.
 */
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';

export interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlNode[];
  text: string;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
    if (e.startsWith('#x')) {
      return String.fromCodePoint(parseInt(e.slice(2), 16));
    }
    if (e.startsWith('#')) {
      return String.fromCodePoint(parseInt(e.slice(1), 10));
    }
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e] ?? '';
  });
}

/** A minimal XML parser: elements, attributes, text, entities; skips declarations and comments. */
export function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const token =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<!\[CDATA\[([\s\S]*?)\]\]>|<\/([^\s>]+)\s*>|<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  for (let m = token.exec(xml); m !== null; m = token.exec(xml)) {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      throw new Error('XML: unbalanced');
    }
    const [, cdata, close, open, attrText, selfClose, text] = m;
    if (cdata !== undefined) {
      top.text += cdata;
    } else if (close !== undefined) {
      if (top.name !== close) {
        throw new Error(`XML: </${close}> closes <${top.name}>`);
      }
      stack.pop();
    } else if (open !== undefined) {
      const attrs: Record<string, string> = {};
      for (const a of (attrText ?? '').matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        attrs[a[1] as string] = decodeEntities(a[2] ?? a[3] ?? '');
      }
      const node: XmlNode = { name: open, attrs, children: [], text: '' };
      top.children.push(node);
      if (selfClose !== '/') {
        stack.push(node);
      }
    } else if (text !== undefined) {
      top.text += decodeEntities(text);
    } else if (m[0].startsWith('<') && !/^<(!--|\?|!DOCTYPE)/.test(m[0])) {
      throw new Error(`XML: cannot parse ${m[0].slice(0, 40)}`);
    }
  }
  if (stack.length !== 1) {
    throw new Error('XML: unclosed elements');
  }
  return root;
}

export function child(n: XmlNode, name: string): XmlNode | undefined {
  return n.children.find((c) => c.name === name);
}

export function childText(n: XmlNode, name: string): string | undefined {
  const c = child(n, name);
  return c === undefined ? undefined : c.text.trim();
}

export interface XarData {
  readonly offset: number;
  readonly length: number;
  readonly size: number;
  readonly encoding: string;
  readonly archivedChecksum: { readonly style: string; readonly value: string };
  readonly extractedChecksum: { readonly style: string; readonly value: string };
}

export interface XarFile {
  readonly id: number;
  /** Full path inside the archive; repeated `<name>` elements are taken once. */
  readonly path: string;
  readonly type: string;
  readonly mode: string | undefined;
  readonly uid: string | undefined;
  readonly gid: string | undefined;
  readonly mtime: string | undefined;
  readonly data: XarData | undefined;
}

export interface XarSignatureInfo {
  readonly element: string;
  readonly style: string;
  readonly offset: number;
  readonly size: number;
  readonly certificates: number;
}

export interface XarArchive {
  readonly headerSize: number;
  readonly version: number;
  readonly tocCompressedLength: number;
  readonly tocLength: number;
  readonly checksumAlgorithm: number;
  readonly tocXml: string;
  readonly toc: XmlNode;
  readonly heapStart: number;
  readonly checksum: { readonly style: string; readonly offset: number; readonly size: number };
  readonly signatures: readonly XarSignatureInfo[];
  readonly creationTime: string | undefined;
  /** In TOC document order (depth-first). */
  readonly files: readonly XarFile[];
  readonly archive: Buffer;
}

const ALGORITHMS: Record<number, string> = { 0: 'none', 1: 'sha1', 2: 'md5', 3: 'sha256', 4: 'sha512' };

export function readXar(archive: Buffer): XarArchive {
  if (archive.length < 28 || archive.readUInt32BE(0) !== 0x78617221) {
    throw new Error('xar: bad magic');
  }
  const headerSize = archive.readUInt16BE(4);
  const version = archive.readUInt16BE(6);
  const tocCompressedLength = Number(archive.readBigUInt64BE(8));
  const tocLength = Number(archive.readBigUInt64BE(16));
  const checksumAlgorithm = archive.readUInt32BE(24);
  const compressed = archive.subarray(headerSize, headerSize + tocCompressedLength);
  const tocXml = inflateSync(compressed).toString('utf8');
  if (Buffer.byteLength(tocXml) !== tocLength) {
    throw new Error(`xar: TOC inflates to ${Buffer.byteLength(tocXml)} bytes, header says ${tocLength}`);
  }
  const heapStart = headerSize + tocCompressedLength;
  const doc = parseXml(tocXml);
  const toc = child(child(doc, 'xar') ?? doc, 'toc');
  if (toc === undefined) {
    throw new Error('xar: no <toc>');
  }
  const ck = child(toc, 'checksum');
  const checksum = {
    style: ck?.attrs['style'] ?? 'none',
    offset: Number(ck === undefined ? NaN : childText(ck, 'offset')),
    size: Number(ck === undefined ? NaN : childText(ck, 'size')),
  };
  const signatures: XarSignatureInfo[] = [];
  for (const s of toc.children.filter((c) => c.name === 'signature' || c.name === 'x-signature')) {
    const x509 = child(child(s, 'KeyInfo') ?? s, 'X509Data');
    signatures.push({
      element: s.name,
      style: s.attrs['style'] ?? '',
      offset: Number(childText(s, 'offset')),
      size: Number(childText(s, 'size')),
      certificates: x509 === undefined ? 0 : x509.children.filter((c) => c.name === 'X509Certificate').length,
    });
  }
  const files: XarFile[] = [];
  const walk = (nodes: XmlNode[], prefix: string): void => {
    for (const f of nodes.filter((c) => c.name === 'file')) {
      const name = childText(f, 'name') ?? '';
      const path = prefix === '' ? name : `${prefix}/${name}`;
      const d = child(f, 'data');
      let data: XarData | undefined;
      if (d !== undefined) {
        const arch = child(d, 'archived-checksum');
        const extr = child(d, 'extracted-checksum');
        data = {
          offset: Number(childText(d, 'offset')),
          length: Number(childText(d, 'length')),
          size: Number(childText(d, 'size')),
          encoding: child(d, 'encoding')?.attrs['style'] ?? 'application/octet-stream',
          archivedChecksum: { style: arch?.attrs['style'] ?? '', value: arch?.text.trim() ?? '' },
          extractedChecksum: { style: extr?.attrs['style'] ?? '', value: extr?.text.trim() ?? '' },
        };
      }
      files.push({
        id: Number(f.attrs['id']),
        path,
        type: childText(f, 'type') ?? '',
        mode: childText(f, 'mode'),
        uid: childText(f, 'uid'),
        gid: childText(f, 'gid'),
        mtime: childText(f, 'mtime'),
        data,
      });
      walk(f.children, path);
    }
  };
  walk(toc.children, '');
  return {
    headerSize,
    version,
    tocCompressedLength,
    tocLength,
    checksumAlgorithm,
    tocXml,
    toc,
    heapStart,
    checksum,
    signatures,
    creationTime: childText(toc, 'creation-time'),
    files,
    archive,
  };
}

function digest(style: string, data: Buffer): string {
  return createHash(style === 'sha1' ? 'sha1' : style)
    .update(data)
    .digest('hex');
}

/** Checks the TOC checksum in the heap against the compressed TOC bytes. */
export function verifyTocChecksum(x: XarArchive): boolean {
  if (ALGORITHMS[x.checksumAlgorithm] !== x.checksum.style) {
    return false;
  }
  const stored = x.archive.subarray(x.heapStart + x.checksum.offset, x.heapStart + x.checksum.offset + x.checksum.size);
  const compressed = x.archive.subarray(x.headerSize, x.headerSize + x.tocCompressedLength);
  return stored.toString('hex') === digest(x.checksum.style, compressed);
}

/** Extracts one file's content, verifying both checksums and both sizes. */
export function extractFile(x: XarArchive, path: string): Buffer {
  const f = x.files.find((e) => e.path === path);
  if (f?.data === undefined) {
    throw new Error(`xar: no file data for ${path}`);
  }
  const d = f.data;
  const stored = x.archive.subarray(x.heapStart + d.offset, x.heapStart + d.offset + d.length);
  if (stored.length !== d.length) {
    throw new Error(`xar: ${path} runs past the end of the heap`);
  }
  if (digest(d.archivedChecksum.style, stored) !== d.archivedChecksum.value) {
    throw new Error(`xar: archived checksum mismatch for ${path}`);
  }
  // application/x-gzip in xar means a zlib stream (RFC 1950), not gzip.
  const out = d.encoding === 'application/x-gzip' ? inflateSync(stored) : d.encoding === 'application/octet-stream' ? stored : undefined;
  if (out === undefined) {
    throw new Error(`xar: unsupported encoding ${d.encoding}`);
  }
  if (out.length !== d.size) {
    throw new Error(`xar: ${path} extracts to ${out.length} bytes, TOC says ${d.size}`);
  }
  if (digest(d.extractedChecksum.style, out) !== d.extractedChecksum.value) {
    throw new Error(`xar: extracted checksum mismatch for ${path}`);
  }
  return out;
}

/** Heap ranges in use, sorted by offset: the checksum, signatures and file data. */
export function heapRanges(x: XarArchive): { name: string; start: number; end: number }[] {
  const r = [{ name: '[checksum]', start: x.checksum.offset, end: x.checksum.offset + x.checksum.size }];
  for (const s of x.signatures) {
    r.push({ name: `[${s.element}]`, start: s.offset, end: s.offset + s.size });
  }
  for (const f of x.files) {
    if (f.data !== undefined) {
      r.push({ name: f.path, start: f.data.offset, end: f.data.offset + f.data.length });
    }
  }
  return r.sort((a, b) => a.start - b.start);
}
