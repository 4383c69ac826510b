/**
 * Stream-name compression used by Windows Installer databases. Inside the compound file (MS-CFB) each
 * table, the string pool and every embedded cabinet or binary is a stream, but CFB names are limited to 31
 * UTF-16 units. msi.dll therefore packs names drawn from the 64-character alphabet `0-9 A-Z a-z . _` two
 * characters per code unit: a pair (a, b) becomes U+3800 + a + (b << 6), a lone character U+4800 + a, and
 * anything outside the alphabet is copied unchanged. Table streams (tables, `_StringPool`, `_StringData`,
 * `_Tables`, `_Columns`) carry a U+4840 prefix; other streams (cabinets, `Binary.*` data) do not. The
 * `\u0005SummaryInformation` and signature streams are never encoded.
 *
 * Documented by example in Microsoft's "OLE Storage in Windows Installer" notes; the algorithm is the one
 * implemented by Wine and msitools (libmsi `encode_streamname`, https://gitlab.gnome.org/GNOME/msitools).
 */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._';
const TABLE_PREFIX = 0x4840;

function alphabetIndex(ch: string | undefined): number {
  return ch === undefined ? -1 : ALPHABET.indexOf(ch);
}

/** Encodes a logical stream name; `table` adds the table-stream prefix. */
export function encodeStreamName(name: string, table: boolean): string {
  const units: number[] = table ? [TABLE_PREFIX] : [];
  for (let i = 0; i < name.length; i++) {
    const a = alphabetIndex(name[i]);
    if (a < 0) {
      units.push(name.charCodeAt(i));
      continue;
    }
    const b = alphabetIndex(name[i + 1]);
    if (b >= 0) {
      units.push(0x3800 + a + (b << 6));
      i++;
    } else {
      units.push(0x4800 + a);
    }
  }
  if (units.length > 31) {
    throw new RangeError(`MSI stream name ${JSON.stringify(name)} is too long once encoded (${units.length} > 31 units)`);
  }
  return String.fromCharCode(...units);
}

/** Decodes an encoded stream name (for tests and diagnostics); table streams come back with a `!`. */
export function decodeStreamName(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === TABLE_PREFIX) {
      out += '!';
    } else if (c >= 0x3800 && c < 0x4800) {
      const v = c - 0x3800;
      out += ALPHABET[v & 0x3f]! + ALPHABET[v >> 6]!;
    } else if (c >= 0x4800 && c < 0x4840) {
      out += ALPHABET[c - 0x4800]!;
    } else {
      out += raw[i]!;
    }
  }
  return out;
}
