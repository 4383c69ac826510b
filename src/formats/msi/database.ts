/**
 * An MSI database (Windows Installer package) as a set of compound-file streams: the string pool
 * (`_StringPool`, `_StringData`), the system catalog (`_Tables`: one string column with every table name;
 * `_Columns`: table, 1-based number, name and type word of every column, the number and type stored
 * XOR 0x8000), and one column-major stream per non-empty table. Empty tables are left out entirely, as
 * msi.dll treats a missing table like an empty one. `_Validation` (only needed for ICE validation) is not
 * written. Everything is kept in memory: tables of an installer are a few kilobytes; large payloads go into
 * cabinet streams the caller writes separately.
 *
 * String ids are assigned in first-use order: catalog first, then each table's rows in insertion order;
 * any order is valid, and a fixed one makes the output reproducible.
 *
 * Spec: https://learn.microsoft.com/en-us/windows/win32/msi/database-tables, -tables-table, -columns-table;
 * format notes from Wine/msitools `table.c` and `string.c`.
 */
import { columnInfo } from './column.js';
import { encodeStreamName } from './stream-name.js';
import { StringPool } from './string-pool.js';
import { encodeTable, rowCells, type Cell, type Row, type TableDef } from './table.js';

export interface NamedStream {
  /** Raw (already encoded) compound-file stream name. */
  readonly name: string;
  readonly data: Buffer;
}

export class MsiDatabase {
  private readonly tables = new Map<string, { def: TableDef; rows: Cell[][] }>();

  /** Adds a row; declares the table on first use. Cells not given are null. */
  insert(def: TableDef, row: Row): void {
    let t = this.tables.get(def.name);
    if (t === undefined) {
      t = { def, rows: [] };
      this.tables.set(def.name, t);
    } else if (t.def !== def) {
      throw new Error(`table ${def.name} declared twice with different schemas`);
    }
    t.rows.push(rowCells(def, row));
  }

  insertAll(def: TableDef, rows: readonly Row[]): void {
    for (const r of rows) {
      this.insert(def, r);
    }
  }

  rows(name: string): readonly Cell[][] {
    return this.tables.get(name)?.rows ?? [];
  }

  /** Encodes every stream of the database. */
  streams(): NamedStream[] {
    const pool = new StringPool();
    const tables = [...this.tables.values()]
      .filter((t) => t.rows.length > 0)
      .sort((a, b) => (a.def.name < b.def.name ? -1 : a.def.name > b.def.name ? 1 : 0));

    // Intern and count every reference; the catalog first.
    for (const t of tables) {
      pool.ref(t.def.name);
    }
    for (const t of tables) {
      for (const c of t.def.columns) {
        pool.ref(t.def.name);
        pool.ref(c.name);
      }
    }
    for (const t of tables) {
      const infos = t.def.columns.map(columnInfo);
      for (const r of t.rows) {
        r.forEach((cell, i) => {
          if (infos[i]!.kind === 'string') {
            pool.ref(cell as string | null);
          }
        });
      }
    }

    const tablesStream = Buffer.alloc(2 * tables.length);
    [...tables]
      .sort((a, b) => pool.id(a.def.name) - pool.id(b.def.name))
      .forEach((t, i) => tablesStream.writeUInt16LE(pool.id(t.def.name), i * 2));

    const colRows: [number, number, number, number][] = [];
    for (const t of tables) {
      t.def.columns.forEach((c, i) => {
        colRows.push([pool.id(t.def.name), i + 1, pool.id(c.name), columnInfo(c).code]);
      });
    }
    colRows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const n = colRows.length;
    const columns = Buffer.alloc(8 * n);
    colRows.forEach(([table, num, name, type], i) => {
      columns.writeUInt16LE(table, i * 2);
      columns.writeUInt16LE(num ^ 0x8000, 2 * n + i * 2);
      columns.writeUInt16LE(name, 4 * n + i * 2);
      columns.writeUInt16LE(type ^ 0x8000, 6 * n + i * 2);
    });

    const out: NamedStream[] = [];
    for (const t of tables) {
      out.push({ name: encodeStreamName(t.def.name, true), data: encodeTable(t.def, t.rows, pool) });
    }
    const { pool: poolStream, data } = pool.encode();
    return [
      { name: encodeStreamName('_StringPool', true), data: poolStream },
      { name: encodeStreamName('_StringData', true), data },
      { name: encodeStreamName('_Tables', true), data: tablesStream },
      { name: encodeStreamName('_Columns', true), data: columns },
      ...out,
    ];
  }
}
