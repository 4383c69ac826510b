/**
 * Identifiers and file names in the forms Windows Installer requires.
 *
 * Keys (Directory, Component, File ...) are "Identifiers": letters, digits, `_` and `.`, starting with a
 * letter or `_`, at most 72 characters. We derive readable keys from install paths and keep them unique.
 *
 * File and directory names are "Filename" values: when the long name is not a valid 8.3 name, the column
 * must hold `short|long`. Short names only matter on volumes without long-name support, but they must be
 * valid and unique within their folder; we derive them from a hash of the parent key and the long name
 * (the approach WiX takes), so they are stable across builds.
 *
 * Spec: https://learn.microsoft.com/en-us/windows/win32/msi/identifier and .../msi/filename
 */
import { createHash } from 'node:crypto';

const MAX_ID = 72;

export class IdAllocator {
  private readonly used = new Set<string>();

  /** Reserves a fixed identifier (e.g. ORBITROOT). */
  reserve(id: string): string {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(id) || id.length > MAX_ID) {
      throw new RangeError(`invalid MSI identifier ${id}`);
    }
    const key = id.toUpperCase();
    if (this.used.has(key)) {
      throw new RangeError(`duplicate MSI identifier ${id}`);
    }
    this.used.add(key);
    return id;
  }

  /** A unique identifier `<prefix><readable form of text>`. */
  derive(prefix: string, text: string): string {
    let base = prefix + text.replace(/[^A-Za-z0-9_.]/g, '_');
    if (base.length > MAX_ID - 4) {
      const h = createHash('sha256').update(text).digest('hex').slice(0, 8);
      base = `${base.slice(0, MAX_ID - 13)}_${h}`;
    }
    let id = base;
    for (let n = 2; this.used.has(id.toUpperCase()); n++) {
      id = `${base}_${n}`;
    }
    this.used.add(id.toUpperCase());
    return id;
  }
}

const SHORT_CHARS = /^[A-Za-z0-9_^$~!#%&\-{}()@'`]+$/;

/** True when `name` is already a valid 8.3 name (then no short form is needed). */
export function isShortName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3 || (dot >= 0 && ext.length === 0)) {
    return false;
  }
  return SHORT_CHARS.test(base) && (ext === '' || SHORT_CHARS.test(ext));
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `name` or `short|name`, the short form derived from `parentKey` and `name`. */
export function msiFileName(name: string, parentKey: string): string {
  if (name.includes('|') || /[\\/:*?"<>]/.test(name)) {
    throw new RangeError(`invalid file name for Windows: ${name}`);
  }
  if (isShortName(name)) {
    return name;
  }
  const digest = createHash('sha256').update(`${parentKey}|${name.toLowerCase()}`).digest();
  let short = '';
  for (let i = 0; i < 8; i++) {
    short += ALPHABET[digest[i]! % ALPHABET.length];
  }
  const dot = name.lastIndexOf('.');
  const ext =
    dot > 0
      ? name
          .slice(dot + 1)
          .replace(/[^A-Za-z0-9]/g, '')
          .slice(0, 3)
          .toLowerCase()
      : '';
  return `${short}${ext ? '.' + ext : ''}|${name}`;
}
