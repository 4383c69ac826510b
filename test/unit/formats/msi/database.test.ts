import { describe, expect, it } from 'vitest';
import { encodeStreamName, decodeStreamName } from '../../../../src/formats/msi/stream-name.js';
import { columnInfo } from '../../../../src/formats/msi/column.js';
import { StringPool } from '../../../../src/formats/msi/string-pool.js';
import { encode1252 } from '../../../../src/formats/msi/codepage.js';
import { encodeTable, rowCells, type TableDef } from '../../../../src/formats/msi/table.js';
import { MsiDatabase } from '../../../../src/formats/msi/database.js';
import { encodeSummaryInformation } from '../../../../src/formats/msi/summary-info.js';
import * as T from '../../../../src/formats/msi/standard-tables.js';

const units = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

describe('stream names', () => {
  it('matches the known encodings', () => {
    expect(units(encodeStreamName('_Tables', true))).toEqual([0x4840, 0x3f7f, 0x4164, 0x422f, 0x4836]);
    expect(units(encodeStreamName('File', true))).toEqual([0x4840, 0x430f, 0x422f]);
    expect(units(encodeStreamName('cab1.cab', false))).toEqual([0x4126, 0x3865, 0x41be, 0x4164]);
    expect(units(encodeStreamName('Binary.WixCA', false))).toEqual([0x430b, 0x4131, 0x4735, 0x403e, 0x46ec, 0x3a8c]);
  });

  it('round-trips and copies characters outside the alphabet', () => {
    expect(decodeStreamName(encodeStreamName('_StringPool', true))).toBe('!_StringPool');
    expect(decodeStreamName(encodeStreamName('a-b', false))).toBe('a-b');
    expect(() => encodeStreamName('x'.repeat(70), false)).toThrow(/too long/);
  });
});

describe('column types', () => {
  it('derives the _Columns type words', () => {
    const code = (type: string, key = false): number => columnInfo({ name: 'c', type, key }).code;
    expect(code('s72')).toBe(0x0d48);
    expect(code('s72', true)).toBe(0x2d48);
    expect(code('S255')).toBe(0x1dff);
    expect(code('l255')).toBe(0x0fff);
    expect(code('L0')).toBe(0x1f00);
    expect(code('i2')).toBe(0x0502);
    expect(code('I2')).toBe(0x1502);
    expect(code('i2', true)).toBe(0x2502);
    expect(code('i4')).toBe(0x0104);
    expect(code('I4')).toBe(0x1104);
    expect(code('v0')).toBe(0x0900);
    expect(code('S38')).toBe(0x1d26);
    expect(() => code('x1')).toThrow();
  });
});

describe('string pool', () => {
  it('counts references and skips null', () => {
    const p = new StringPool();
    expect(p.ref('a')).toBe(1);
    expect(p.ref('b')).toBe(2);
    expect(p.ref('a')).toBe(1);
    expect(p.ref('')).toBe(0);
    expect(p.ref(null)).toBe(0);
    const { pool, data } = p.encode();
    expect(pool.readUInt32LE(0)).toBe(1252);
    expect([pool.readUInt16LE(4), pool.readUInt16LE(6), pool.readUInt16LE(8), pool.readUInt16LE(10)]).toEqual([1, 2, 1, 1]);
    expect(data.toString('latin1')).toBe('ab');
  });

  it('encodes Windows-1252 and rejects other characters', () => {
    expect([...encode1252('é€')]).toEqual([0xe9, 0x80]);
    expect(() => encode1252('✓')).toThrow(/U\+2713/);
  });
});

describe('table encoding', () => {
  const def: TableDef = {
    name: 'X',
    columns: [
      { name: 'K', type: 's72', key: true },
      { name: 'A', type: 'I2' },
      { name: 'B', type: 'i4' },
    ],
  };

  it('writes column-major, biased integers, rows sorted by key id', () => {
    const pool = new StringPool();
    const rows = [rowCells(def, { K: 'zz', A: -1, B: 5 }), rowCells(def, { K: 'aa', A: null, B: -2 })];
    pool.ref('zz');
    pool.ref('aa');
    const buf = encodeTable(def, rows, pool);
    // zz has id 1, aa id 2: sorted by id, so zz first.
    expect([...buf]).toEqual([1, 0, 2, 0, 0xff, 0x7f, 0, 0, 5, 0, 0, 0x80, 0xfe, 0xff, 0xff, 0x7f]);
  });

  it('validates cells', () => {
    expect(() => rowCells(def, { A: 1, B: 1 })).toThrow(/K must not be null/);
    expect(() => rowCells(def, { K: 'x', B: 40000 * 60000 })).toThrow(/out of range/);
    expect(() => rowCells(def, { K: 'x', B: 1, Q: 1 })).toThrow(/no column Q/);
  });
});

describe('MsiDatabase', () => {
  it('emits the catalog with exact refcounts', () => {
    const db = new MsiDatabase();
    db.insert(T.Property, { Property: 'ProductName', Value: 'X' });
    expect(() => db.insert(T.Property, { Property: 'Empty', Value: '' })).toThrow(/must not be null/);
    const streams = db.streams();
    const names = streams.map((s) => s.name);
    expect(names).toContain(encodeStreamName('_Columns', true));
    const colStream = streams.find((s) => s.name === encodeStreamName('_Columns', true))!.data;
    expect(colStream.length).toBe(2 * 8); // 2 columns × 4 cells × 2 bytes
    expect(colStream.readUInt16LE(4) ^ 0x8000).toBe(1);
    expect(colStream.readUInt16LE(12) ^ 0x8000).toBe(0x2d48);
    const pool = streams.find((s) => s.name === encodeStreamName('_StringPool', true))!.data;
    // "Property" is the table name (1 in _Tables + 2 in _Columns) and a column name (1): 4 references.
    expect(pool.readUInt16LE(6)).toBe(4);
    expect(() => {
      db.insert(T.Property, { Property: 'ProductName', Value: 'Y' });
      db.streams();
    }).toThrow(/duplicate primary key/);
  });
});

describe('summary information', () => {
  it('writes a property set with properties in id order', () => {
    const b = encodeSummaryInformation({
      title: 'Installation Database',
      subject: 's',
      author: 'a',
      keywords: 'k',
      comments: 'c',
      template: 'x64;1033',
      revisionNumber: '{00000000-0000-0000-0000-000000000000}',
      time: 0,
      pageCount: 500,
      wordCount: 2,
      appName: 'fleetctl',
      security: 2,
    });
    expect(b.readUInt16LE(0)).toBe(0xfffe);
    expect(b.subarray(28, 44).toString('hex')).toBe('e0859ff2f94f6810ab9108002b27b3d9');
    const section = 48;
    expect(b.readUInt32LE(section)).toBe(b.length - section);
    const count = b.readUInt32LE(section + 4);
    const ids = Array.from({ length: count }, (_, i) => b.readUInt32LE(section + 8 + i * 8));
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 9, 12, 13, 14, 15, 18, 19]);
    // Created at the Unix epoch: FILETIME 116444736000000000.
    const off12 = b.readUInt32LE(section + 8 + 8 * 8 + 4);
    expect(b.readUInt32LE(section + off12)).toBe(64);
    expect(b.readBigUInt64LE(section + off12 + 4)).toBe(116444736000000000n);
  });
});
