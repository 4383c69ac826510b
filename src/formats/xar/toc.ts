/**
 * Serialises the xar table of contents (TOC) as XML. The element vocabulary follows Apple's xar
 * (`xar/lib/archive.c`, `xar/lib/data.c`) and what productbuild emits: `<checksum>`, optional
 * `<signature>` / `<x-signature>` (with the certificate chain in an XML-DSig `<KeyInfo>`), then nested
 * `<file id>` elements with `name`, `type`, ownership, `mtime` and, for files with content, `<data>`
 * holding offset/size/length, encoding and the archived/extracted checksums. Readers locate data by
 * offset, so element order is free; `<name>` is emitted exactly once (bsdtar concatenates repeats).
 */
import { ENCODING_NONE, ENCODING_ZLIB, XMLDSIG_NS } from './spec.js';

export interface TocData {
  readonly offset: number;
  /** Stored (archived) bytes. */
  readonly length: number;
  /** Extracted bytes. */
  readonly size: number;
  readonly zlib: boolean;
  readonly archivedSha1: string;
  readonly extractedSha1: string;
}

export interface TocFile {
  readonly id: number;
  readonly name: string;
  readonly type: 'file' | 'directory';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly user: string;
  readonly group: string;
  readonly mtime: number;
  readonly data?: TocData;
  readonly children: readonly TocFile[];
}

export interface TocSignature {
  readonly element: 'signature' | 'x-signature';
  readonly style: string;
  readonly offset: number;
  readonly size: number;
  /** DER certificates, leaf first. */
  readonly certificates: readonly Uint8Array[];
}

export interface Toc {
  /** Unix seconds; omitted when undefined. */
  readonly creationTime?: number;
  readonly checksum: { readonly offset: number; readonly size: number };
  readonly signatures: readonly TocSignature[];
  readonly files: readonly TocFile[];
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** ISO-8601 UTC with a `Z`, seconds precision, as xar writes `<mtime>`. */
export function isoTime(seconds: number, zone = true): string {
  const s = new Date(seconds * 1000).toISOString().slice(0, 19);
  return zone ? `${s}Z` : s;
}

/** Base64 wrapped at 72 columns, as Apple's and rcodesign's KeyInfo blocks are. */
function wrap64(der: Uint8Array): string {
  return (
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,72}/g) ?? []
  ).join('\n');
}

function fileXml(f: TocFile, indent: string): string {
  const i = `${indent} `;
  const lines = [
    `${indent}<file id="${f.id}">`,
    `${i}<name>${escapeXml(f.name)}</name>`,
    `${i}<type>${f.type}</type>`,
    `${i}<mode>0${(f.mode & 0o7777).toString(8)}</mode>`,
    `${i}<uid>${f.uid}</uid>`,
    `${i}<gid>${f.gid}</gid>`,
    `${i}<user>${escapeXml(f.user)}</user>`,
    `${i}<group>${escapeXml(f.group)}</group>`,
    `${i}<mtime>${isoTime(f.mtime)}</mtime>`,
  ];
  if (f.data !== undefined) {
    const d = f.data;
    lines.push(
      `${i}<data>`,
      `${i} <offset>${d.offset}</offset>`,
      `${i} <size>${d.size}</size>`,
      `${i} <length>${d.length}</length>`,
      `${i} <encoding style="${d.zlib ? ENCODING_ZLIB : ENCODING_NONE}"/>`,
      `${i} <archived-checksum style="sha1">${d.archivedSha1}</archived-checksum>`,
      `${i} <extracted-checksum style="sha1">${d.extractedSha1}</extracted-checksum>`,
      `${i}</data>`,
    );
  }
  for (const c of f.children) {
    lines.push(fileXml(c, i));
  }
  lines.push(`${indent}</file>`);
  return lines.join('\n');
}

export function tocXml(toc: Toc): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<xar>', ' <toc>'];
  if (toc.creationTime !== undefined) {
    // productbuild writes creation-time without a zone suffix.
    lines.push(`  <creation-time>${isoTime(toc.creationTime, false)}</creation-time>`);
  }
  lines.push(
    `  <checksum style="sha1">`,
    `   <offset>${toc.checksum.offset}</offset>`,
    `   <size>${toc.checksum.size}</size>`,
    `  </checksum>`,
  );
  for (const s of toc.signatures) {
    lines.push(`  <${s.element} style="${escapeXml(s.style)}">`, `   <offset>${s.offset}</offset>`, `   <size>${s.size}</size>`);
    if (s.certificates.length > 0) {
      lines.push(`   <KeyInfo xmlns="${XMLDSIG_NS}">`, '    <X509Data>');
      for (const c of s.certificates) {
        lines.push(`     <X509Certificate>${wrap64(c)}</X509Certificate>`);
      }
      lines.push('    </X509Data>', '   </KeyInfo>');
    }
    lines.push(`  </${s.element}>`);
  }
  for (const f of toc.files) {
    lines.push(fileXml(f, '  '));
  }
  lines.push(' </toc>', '</xar>', '');
  return lines.join('\n');
}
