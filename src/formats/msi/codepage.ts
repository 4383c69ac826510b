/**
 * Windows-1252 encoding for MSI strings. An MSI database declares one codepage for all its strings (in the
 * string pool header) and the summary information declares one for its LPSTR properties. We use 1252, the
 * Western European ANSI codepage that WiX-built packages for en-US use: ASCII, Latin-1 and the 0x80-0x9F
 * extras (€, „, …). Anything else cannot be represented and is rejected rather than silently mangled.
 *
 * Table: https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/WindowsBestFit/bestfit1252.txt
 */

export const CODEPAGE = 1252;

const HIGH: Record<number, number> = {
  0x20ac: 0x80,
  0x201a: 0x82,
  0x0192: 0x83,
  0x201e: 0x84,
  0x2026: 0x85,
  0x2020: 0x86,
  0x2021: 0x87,
  0x02c6: 0x88,
  0x2030: 0x89,
  0x0160: 0x8a,
  0x2039: 0x8b,
  0x0152: 0x8c,
  0x017d: 0x8e,
  0x2018: 0x91,
  0x2019: 0x92,
  0x201c: 0x93,
  0x201d: 0x94,
  0x2022: 0x95,
  0x2013: 0x96,
  0x2014: 0x97,
  0x02dc: 0x98,
  0x2122: 0x99,
  0x0161: 0x9a,
  0x203a: 0x9b,
  0x0153: 0x9c,
  0x017e: 0x9e,
  0x0178: 0x9f,
};

/** Encodes `s` as Windows-1252; throws on characters the codepage lacks. */
export function encode1252(s: string): Buffer {
  const out = Buffer.alloc(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80 || (c >= 0xa0 && c <= 0xff)) {
      out[i] = c;
    } else {
      const b = HIGH[c];
      if (b === undefined) {
        throw new RangeError(`character U+${c.toString(16).toUpperCase().padStart(4, '0')} cannot be stored in an MSI (codepage 1252)`);
      }
      out[i] = b;
    }
  }
  return out;
}
