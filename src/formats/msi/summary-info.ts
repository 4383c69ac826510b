/**
 * The `\u0005SummaryInformation` stream of an MSI: an OLE property set (MS-OLEPS) with one section,
 * FMTID_SummaryInformation {F29F85E0-4FF9-1068-AB91-08002B27B3D9}. Windows Installer gives the standard
 * properties its own meanings: Template = platform;language, Revision Number = the PackageCode GUID,
 * Page Count = minimum installer version × 100, Word Count = source flags (2 = compressed files).
 * Properties are written in ascending id order; strings are VT_LPSTR in the declared codepage (1252).
 *
 * Specs: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-oleps/ and
 * https://learn.microsoft.com/en-us/windows/win32/msi/summary-information-stream-property-set
 */
import { CODEPAGE, encode1252 } from './codepage.js';

export interface SummaryInformation {
  readonly title: string;
  readonly subject: string;
  readonly author: string;
  readonly keywords: string;
  readonly comments: string;
  /** `x64;1033`, `Arm64;1033`, `Intel;1033`. */
  readonly template: string;
  /** PackageCode: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, new for every build. */
  readonly revisionNumber: string;
  /** Creation and last-save time, seconds since the Unix epoch. */
  readonly time: number;
  /** Minimum Windows Installer version × 100 (500 for x64 + Arm64). */
  readonly pageCount: number;
  /** Source flags: 2 = compressed, long file names. */
  readonly wordCount: number;
  readonly appName: string;
  /** 2 = read-only recommended. */
  readonly security: number;
}

const FMTID = Buffer.from('e0859ff2f94f6810ab9108002b27b3d9', 'hex');
const VT_I2 = 2;
const VT_I4 = 3;
const VT_LPSTR = 30;
const VT_FILETIME = 64;
/** Seconds between 1601-01-01 (FILETIME epoch) and 1970-01-01. */
const EPOCH_DIFF = 11_644_473_600n;

function pad4(b: Buffer): Buffer {
  const rem = b.length % 4;
  return rem === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - rem)]);
}

function int(vt: number, v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(vt, 0);
  if (vt === VT_I2) {
    b.writeInt16LE(v, 4);
  } else {
    b.writeInt32LE(v, 4);
  }
  return b;
}

function lpstr(s: string): Buffer {
  const bytes = encode1252(s);
  const head = Buffer.alloc(8);
  head.writeUInt32LE(VT_LPSTR, 0);
  head.writeUInt32LE(bytes.length + 1, 4);
  return pad4(Buffer.concat([head, bytes, Buffer.alloc(1)]));
}

function filetime(unixSeconds: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(VT_FILETIME, 0);
  b.writeBigUInt64LE((BigInt(Math.floor(unixSeconds)) + EPOCH_DIFF) * 10_000_000n, 4);
  return b;
}

export function encodeSummaryInformation(s: SummaryInformation): Buffer {
  const props: [number, Buffer][] = [
    [1, int(VT_I2, CODEPAGE)],
    [2, lpstr(s.title)],
    [3, lpstr(s.subject)],
    [4, lpstr(s.author)],
    [5, lpstr(s.keywords)],
    [6, lpstr(s.comments)],
    [7, lpstr(s.template)],
    [9, lpstr(s.revisionNumber)],
    [12, filetime(s.time)],
    [13, filetime(s.time)],
    [14, int(VT_I4, s.pageCount)],
    [15, int(VT_I4, s.wordCount)],
    [18, lpstr(s.appName)],
    [19, int(VT_I4, s.security)],
  ];
  const headerLen = 8 + props.length * 8;
  const index = Buffer.alloc(headerLen);
  let off = headerLen;
  props.forEach(([pid, value], i) => {
    index.writeUInt32LE(pid, 8 + i * 8);
    index.writeUInt32LE(off, 12 + i * 8);
    off += value.length;
  });
  index.writeUInt32LE(off, 0); // section size
  index.writeUInt32LE(props.length, 4);
  const section = Buffer.concat([index, ...props.map(([, v]) => v)]);

  const header = Buffer.alloc(48);
  header.writeUInt16LE(0xfffe, 0); // byte order
  header.writeUInt16LE(0, 2); // format version
  header.writeUInt32LE(0x00020005, 4); // originating OS version (as written by msi.dll)
  // 16-byte CLSID left zero.
  header.writeUInt32LE(1, 24); // one section
  FMTID.copy(header, 28);
  header.writeUInt32LE(48, 44);
  return Buffer.concat([header, section]);
}

/** The raw compound-file name of the summary stream (never name-compressed). */
export const SUMMARY_STREAM_NAME = '\u0005SummaryInformation';
