/**
 * MSI column types. Each column of an MSI table has a 16-bit type word stored in `_Columns.Type`:
 * the low byte is the width (maximum string length, 0 = unlimited, or 2 / 4 bytes for integers), 0x0100
 * marks a persistent column, 0x0C00 a string (0x0800 alone = binary stream, 0x0400 alone = 16-bit
 * integer, neither = 32-bit integer), 0x0200 a localizable string, 0x1000 nullable and 0x2000 part of the
 * primary key. We describe columns in the IDT notation Microsoft's tools and `msidump` print (`s72`,
 * `L255`, `i2`, `I4`, `v0`: lower case = not nullable, s = string, l = localizable string, i = integer,
 * v = binary) and derive the type word from it.
 *
 * Spec: https://learn.microsoft.com/en-us/windows/win32/msi/column-definition-format and
 * https://learn.microsoft.com/en-us/windows/win32/msi/-columns-table
 */

export interface ColumnDef {
  readonly name: string;
  /** IDT type: `s72`, `S255`, `l0`, `L64`, `i2`, `I2`, `i4`, `I4`, `v0`, `V0`. */
  readonly type: string;
  /** Part of the primary key (key columns come first in a table). */
  readonly key?: boolean;
}

export type ColumnKind = 'string' | 'int16' | 'int32' | 'binary';

export interface ColumnInfo {
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  /** String length limit (0 = none); only informative, as in msi.dll. */
  readonly width: number;
  /** The `_Columns.Type` word. */
  readonly code: number;
  /** Bytes per cell in a table stream (2-byte string references). */
  readonly cellBytes: number;
}

const VALID = 0x0100;
const LOCALIZABLE = 0x0200;
const STRING = 0x0c00;
const INT16 = 0x0400;
const BINARY = 0x0800;
const NULLABLE = 0x1000;
const KEY = 0x2000;

export function columnInfo(c: ColumnDef): ColumnInfo {
  const m = /^([sSlLiIvV])(\d+)$/.exec(c.type);
  if (m === null) {
    throw new RangeError(`bad MSI column type ${JSON.stringify(c.type)} for ${c.name}`);
  }
  const letter = m[1]!;
  const width = Number(m[2]);
  const nullable = letter === letter.toUpperCase();
  const flags = VALID | (nullable ? NULLABLE : 0) | (c.key === true ? KEY : 0);
  switch (letter.toLowerCase()) {
    case 's':
    case 'l':
      if (width > 255) {
        throw new RangeError(`string width ${width} > 255 for ${c.name}`);
      }
      return {
        kind: 'string',
        nullable,
        width,
        code: flags | STRING | (letter.toLowerCase() === 'l' ? LOCALIZABLE : 0) | width,
        cellBytes: 2,
      };
    case 'i':
      if (width === 2) {
        return { kind: 'int16', nullable, width, code: flags | INT16 | 2, cellBytes: 2 };
      }
      if (width === 4) {
        return { kind: 'int32', nullable, width, code: flags | 4, cellBytes: 4 };
      }
      throw new RangeError(`integer width must be 2 or 4 for ${c.name}`);
    default:
      return { kind: 'binary', nullable, width: 0, code: flags | BINARY, cellBytes: 2 };
  }
}
