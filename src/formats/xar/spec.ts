/**
 * Constants of the xar ("eXtensible ARchiver") container, the outer format of macOS flat packages.
 *
 * Layout: a 28-byte big-endian header, then the table of contents (TOC) — UTF-8 XML compressed as
 * one zlib stream — then the heap. Every `<offset>` in the TOC is relative to the start of the heap.
 * The heap starts with the TOC checksum (a hash of the compressed TOC bytes), followed, in signed
 * archives, by the RSA and CMS signature blobs, then the file data.
 *
 * Sources: apple-oss-distributions/xar `xar/include/xar.h.in` and `xar/lib/archive.c`
 * (https://github.com/apple-oss-distributions/xar), mackyle/xar (https://github.com/mackyle/xar),
 * apple-xar (https://github.com/indygreg/apple-platform-rs/tree/main/apple-xar) `src/format.rs`.
 */

export const XAR_MAGIC = 0x78617221; // "xar!"
export const XAR_HEADER_SIZE = 28;
export const XAR_VERSION = 1;

/**
 * Header checksum algorithm ids (Apple numbering). Only SHA-1 is used: mackyle's xar and libarchive
 * (bsdtar) read 3 as "other" and reject SHA-256 archives, and Apple's productsign still writes SHA-1.
 */
export const XAR_CKSUM_SHA1 = 1;
export const SHA1_SIZE = 20;

/** `<encoding style>` values. "x-gzip" is historical: the data is a zlib (RFC 1950) stream. */
export const ENCODING_NONE = 'application/octet-stream';
export const ENCODING_ZLIB = 'application/x-gzip';

/** Namespace of the `<KeyInfo>` element that carries signing certificates (XML-DSig). */
export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
