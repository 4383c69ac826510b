/**
 * Encoding of one MSI table stream. Tables are stored column-major: every row's first cell, then every
 * row's second cell, and so on, with no header and no row count (the count is the stream length divided
 * by the row width). Strings are 2-byte string-pool ids (0 = null); integers are biased so that 0 can
 * mean null: 16-bit values are stored as value + 0x8000, 32-bit values as value XOR 0x80000000; binary
 * cells hold 1 when the matching `Table.key` stream exists. msi.dll keeps rows sorted by the raw stored
 * values of the primary-key columns, and so do we.
 *
 * Format notes: Wine/msitools `table.c` (https://gitlab.gnome.org/GNOME/msitools/-/blob/master/libmsi/table.c);
 * https://learn.microsoft.com/en-us/windows/win32/msi/database-tables
 */
import { columnInfo, type ColumnDef, type ColumnInfo } from './column.js';
import type { StringPool } from './string-pool.js';

export interface TableDef {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
}

export type Cell = string | number | null;
export type Row = Readonly<Record<string, Cell>>;

const INT16_MAX = 0x7fff;
const INT32_MAX = 0x7fffffff;

/** Checks a row against the schema and returns its cells in column order. */
export function rowCells(def: TableDef, row: Row): Cell[] {
  for (const k of Object.keys(row)) {
    if (!def.columns.some((c) => c.name === k)) {
      throw new RangeError(`${def.name} has no column ${k}`);
    }
  }
  return def.columns.map((c) => {
    const info = columnInfo(c);
    const v = row[c.name] ?? null;
    const isNull = v === null || v === '';
    if (isNull) {
      if (!info.nullable) {
        throw new RangeError(`${def.name}.${c.name} must not be null`);
      }
      return null;
    }
    if (info.kind === 'string') {
      if (typeof v !== 'string') {
        throw new TypeError(`${def.name}.${c.name} must be a string`);
      }
      return v;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new TypeError(`${def.name}.${c.name} must be an integer`);
    }
    const max = info.kind === 'int16' ? INT16_MAX : info.kind === 'int32' ? INT32_MAX : 1;
    // The most negative value of each width is the null marker and cannot be stored.
    if (v > max || v < -max) {
      throw new RangeError(`${def.name}.${c.name} = ${v} out of range`);
    }
    return v;
  });
}

function rawValue(info: ColumnInfo, cell: Cell, pool: StringPool): number {
  if (cell === null) {
    return 0;
  }
  switch (info.kind) {
    case 'string':
      return pool.id(cell as string);
    case 'int16':
      return ((cell as number) + 0x8000) & 0xffff;
    case 'int32':
      return ((cell as number) ^ 0x80000000) >>> 0;
    case 'binary':
      return cell as number;
  }
}

/**
 * Encodes rows (already validated by `rowCells`, strings already interned) as a table stream, sorted by
 * the primary key's stored values. Throws on duplicate keys.
 */
export function encodeTable(def: TableDef, rows: readonly Cell[][], pool: StringPool): Buffer {
  const infos = def.columns.map(columnInfo);
  const keyCols = def.columns.map((c, i) => (c.key === true ? i : -1)).filter((i) => i >= 0);
  const raw = rows.map((r) => r.map((cell, i) => rawValue(infos[i]!, cell, pool)));
  raw.sort((a, b) => {
    for (const k of keyCols) {
      const d = a[k]! - b[k]!;
      if (d !== 0) {
        return d;
      }
    }
    return 0;
  });
  for (let i = 1; i < raw.length; i++) {
    if (keyCols.every((k) => raw[i]![k] === raw[i - 1]![k])) {
      throw new RangeError(`duplicate primary key in table ${def.name}`);
    }
  }
  const rowBytes = infos.reduce((s, c) => s + c.cellBytes, 0);
  const out = Buffer.alloc(rowBytes * raw.length);
  let off = 0;
  infos.forEach((info, col) => {
    for (const r of raw) {
      if (info.cellBytes === 4) {
        out.writeUInt32LE(r[col]!, off);
      } else {
        out.writeUInt16LE(r[col]!, off);
      }
      off += info.cellBytes;
    }
  });
  return out;
}
