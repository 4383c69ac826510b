/**
 * Constants of the Compound File Binary format (MS-CFB), the OLE2 "structured storage" container that
 * Windows Installer databases, Office 97 documents and many other Microsoft formats live in. A compound
 * file is a small FAT file system inside one file: a 512-byte header, then fixed-size sectors chained by a
 * File Allocation Table, a directory of 128-byte entries, and a "mini stream" of 64-byte sectors for
 * streams shorter than 4096 bytes.
 *
 * Spec: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cfb/ (sections 2.1 sector
 * numbers, 2.2 header, 2.6 directory entries). We write version 3 (512-byte sectors) only: it is what
 * msi.dll, WiX and wixl produce, and its 2 GB stream limit equals Windows Installer's own package limit.
 */

export const SECTOR_SHIFT = 9;
export const SECTOR_SIZE = 1 << SECTOR_SHIFT;
export const MINI_SECTOR_SHIFT = 6;
export const MINI_SECTOR_SIZE = 1 << MINI_SECTOR_SHIFT;
/** Streams shorter than this live in the mini stream. */
export const MINI_STREAM_CUTOFF = 4096;
export const HEADER_SIZE = 512;
export const DIR_ENTRY_SIZE = 128;
export const DIR_ENTRIES_PER_SECTOR = SECTOR_SIZE / DIR_ENTRY_SIZE;
/** Sector numbers per FAT (or mini FAT) sector. */
export const IDS_PER_SECTOR = SECTOR_SIZE / 4;
/** FAT sector numbers stored in the header itself. */
export const HEADER_DIFAT_SLOTS = 109;
/** FAT sector numbers per DIFAT sector; the last slot links to the next DIFAT sector. */
export const DIFAT_SLOTS_PER_SECTOR = IDS_PER_SECTOR - 1;

export const FREESECT = 0xffffffff;
export const ENDOFCHAIN = 0xfffffffe;
export const FATSECT = 0xfffffffd;
export const DIFSECT = 0xfffffffc;
export const NOSTREAM = 0xffffffff;

/** Longest entry name in UTF-16 code units (32 including the terminating NUL). */
export const MAX_NAME_UNITS = 31;
/** Version 3 limits a stream to a 32-bit size; keep below 2 GiB like Windows Installer. */
export const MAX_STREAM_SIZE = 0x7fffffff;

export const SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** Directory entry object types (MS-CFB 2.6.1): we only write streams and the root storage. */
export const EntryKind = { Stream: 2, Root: 5 } as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

/** Red-black tree node colours. */
export const Color = { Red: 0, Black: 1 } as const;
export type Color = (typeof Color)[keyof typeof Color];
