/**
 * Common Unix `ar` archives, the outer container of a .deb (deb(5)): the global header `!<arch>\n`,
 * then per member a 60-byte ASCII header (name 16, mtime 12, uid 6, gid 6, octal mode 8, size 10,
 * terminator "`\n") followed by the data and one `\n` pad byte when the size is odd. deb(5) allows
 * only the common format: names of at most 15 characters, no GNU/BSD long-name tables.
 * Spec: https://manpages.debian.org/deb.5 and https://en.wikipedia.org/wiki/Ar_(Unix)
 */

export const AR_MAGIC = Buffer.from('!<arch>\n', 'ascii');

function field(value: string, width: number, what: string): string {
  if (value.length > width) {
    throw new RangeError(`ar: ${what} "${value}" does not fit in ${width} characters`);
  }
  return value.padEnd(width, ' ');
}

export interface ArMemberHeader {
  readonly name: string;
  readonly size: number;
  readonly mtime: number;
  readonly mode?: number;
}

export function arMemberHeader(m: ArMemberHeader): Buffer {
  if (m.name.length > 15 || m.name.includes('/')) {
    throw new RangeError(`ar: member name "${m.name}" must be at most 15 characters without "/"`);
  }
  const h =
    field(m.name, 16, 'name') +
    field(String(m.mtime), 12, 'mtime') +
    field('0', 6, 'uid') +
    field('0', 6, 'gid') +
    field((m.mode ?? 0o100644).toString(8), 8, 'mode') +
    field(String(m.size), 10, 'size') +
    '`\n';
  return Buffer.from(h, 'ascii');
}

/** The pad byte after an odd-sized member (empty when the size is even). */
export function arPadding(size: number): Buffer {
  return size % 2 === 1 ? Buffer.from('\n', 'ascii') : Buffer.alloc(0);
}
