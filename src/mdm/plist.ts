/**
 * Reads a property list in either of Apple's on-disk forms: XML, or binary (`bplist00`, as written
 * by `plutil -convert binary1`). The `plist` package parses both; this wrapper picks the parser from
 * the magic bytes and turns its failures into one clear line.
 */
import { build, parse, parseBinary, type PlistValue } from 'plist';

export type { PlistValue };
export type PlistDict = { [key: string]: PlistValue };

const BPLIST_MAGIC = 'bplist00';

export function isBinaryPlist(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).toString('latin1') === BPLIST_MAGIC;
}

export class PlistParseError extends Error {}

/**
 * xmldom (under `plist`) reports XML problems on the console before throwing; the thrown error is
 * what we report, so the console noise is held back while parsing.
 */
function quietly<T>(fn: () => T): T {
  const saved = { error: console.error, warn: console.warn, log: console.log };
  const mute = (): void => {};
  console.error = mute;
  console.warn = mute;
  console.log = mute;
  try {
    return fn();
  } finally {
    console.error = saved.error;
    console.warn = saved.warn;
    console.log = saved.log;
  }
}

export function readPlist(bytes: Uint8Array): PlistValue {
  try {
    if (isBinaryPlist(bytes)) {
      return parseBinary(bytes);
    }
    const text = Buffer.from(bytes)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    if (text.trim() === '') {
      throw new PlistParseError('the file is empty');
    }
    if (!text.trimStart().startsWith('<')) {
      throw new PlistParseError('not an XML or binary property list');
    }
    return quietly(() => parse(text));
  } catch (e) {
    if (e instanceof PlistParseError) {
      throw e;
    }
    const msg = e instanceof Error ? e.message : String(e);
    throw new PlistParseError(msg.split('\n')[0] ?? msg);
  }
}

export function isDict(v: PlistValue | undefined): v is PlistDict {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);
}

export function buildXmlPlist(v: PlistValue): string {
  return build(v);
}
