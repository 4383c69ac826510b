/**
 * The directory of a compound file (MS-CFB 2.6): an array of 128-byte entries, entry 0 being the root
 * storage. The children of a storage form a red-black tree ordered by name (shorter names first, equal
 * lengths compared by upper-cased UTF-16 code units, MS-CFB 2.6.4); the storage's `child` field points
 * at the tree's root.
 *
 * Many writers (libgsf, SheetJS) emit a right-linked all-black list instead, which breaks the red-black
 * rules; readers tolerate it, but a balanced tree costs nothing, so we build one: mid-point recursion over
 * the sorted names gives a tree whose leaves differ in depth by at most one, and colouring the deepest
 * level red (everything else black) keeps the black height equal on every path and never puts a red
 * node under a red parent.
 *
 * Only flat storages are needed (an MSI is a root with streams), so sub-storages are not supported.
 * Spec: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cfb/60fe8611-66c3-496b-b70d-a504c94c9ace
 */
import type { EntryKind } from './constants.js';
import { Color, DIR_ENTRY_SIZE, MAX_NAME_UNITS, NOSTREAM } from './constants.js';

export interface DirEntry {
  readonly name: string;
  readonly kind: EntryKind;
  readonly clsid?: Buffer;
  startSector: number;
  size: number;
  left: number;
  right: number;
  child: number;
  color: Color;
}

function upperUnit(code: number): number {
  // MS-CFB asks for simple case folding of each UTF-16 unit; toUpperCase of a single unit that maps to
  // several characters (e.g. U+00DF) keeps the original unit.
  const up = String.fromCharCode(code).toUpperCase();
  return up.length === 1 ? up.charCodeAt(0) : code;
}

/** MS-CFB 2.6.4 ordering: shorter names first, then by upper-cased UTF-16 code units. */
export function compareNames(a: string, b: string): number {
  if (a.length !== b.length) {
    return a.length - b.length;
  }
  for (let i = 0; i < a.length; i++) {
    const d = upperUnit(a.charCodeAt(i)) - upperUnit(b.charCodeAt(i));
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

export function validateName(name: string): void {
  if (name.length === 0 || name.length > MAX_NAME_UNITS) {
    throw new RangeError(`compound file entry name must have 1..${MAX_NAME_UNITS} UTF-16 units, got ${name.length}`);
  }
  if (/[/\\:!]/.test(name)) {
    throw new RangeError(`compound file entry name contains an illegal character (/ \\ : !)`);
  }
}

/**
 * Links `children` (indices into `entries`) into a balanced red-black tree and returns the root index
 * (NOSTREAM when empty). Throws on duplicate names.
 */
export function buildTree(entries: DirEntry[], children: readonly number[]): number {
  const sorted = [...children].sort((x, y) => compareNames(entryAt(entries, x).name, entryAt(entries, y).name));
  for (let i = 1; i < sorted.length; i++) {
    if (compareNames(entryAt(entries, sorted[i - 1]!).name, entryAt(entries, sorted[i]!).name) === 0) {
      throw new RangeError(`duplicate compound file entry name ${JSON.stringify(entryAt(entries, sorted[i]!).name)}`);
    }
  }
  const depthOf = new Map<number, number>();
  const link = (lo: number, hi: number, depth: number): number => {
    if (lo > hi) {
      return NOSTREAM;
    }
    const mid = (lo + hi) >>> 1;
    const id = sorted[mid]!;
    const e = entryAt(entries, id);
    depthOf.set(id, depth);
    e.left = link(lo, mid - 1, depth + 1);
    e.right = link(mid + 1, hi, depth + 1);
    return id;
  };
  const root = link(0, sorted.length - 1, 0);
  const deepest = Math.max(0, ...depthOf.values());
  for (const [id, depth] of depthOf) {
    entryAt(entries, id).color = depth === deepest && depth > 0 ? Color.Red : Color.Black;
  }
  return root;
}

function entryAt(entries: DirEntry[], i: number): DirEntry {
  const e = entries[i];
  if (e === undefined) {
    throw new RangeError(`no directory entry ${i}`);
  }
  return e;
}

/** Serialises one entry; `undefined` gives an unused slot (all zero except the three links). */
export function encodeEntry(e: DirEntry | undefined): Buffer {
  const b = Buffer.alloc(DIR_ENTRY_SIZE);
  if (e === undefined) {
    b.writeUInt32LE(NOSTREAM, 68);
    b.writeUInt32LE(NOSTREAM, 72);
    b.writeUInt32LE(NOSTREAM, 76);
    return b;
  }
  for (let i = 0; i < e.name.length; i++) {
    b.writeUInt16LE(e.name.charCodeAt(i), i * 2);
  }
  b.writeUInt16LE((e.name.length + 1) * 2, 64);
  b.writeUInt8(e.kind, 66);
  b.writeUInt8(e.color, 67);
  b.writeUInt32LE(e.left >>> 0, 68);
  b.writeUInt32LE(e.right >>> 0, 72);
  b.writeUInt32LE(e.child >>> 0, 76);
  e.clsid?.copy(b, 80);
  // State bits and both FILETIMEs stay zero: streams must have zero times (MS-CFB 2.6.3) and a zero
  // root time keeps output reproducible.
  b.writeUInt32LE(e.startSector >>> 0, 116);
  b.writeUInt32LE(e.size >>> 0, 120);
  return b;
}
