/**
 * HTTP Range for downloads (RFC 9110 §14): one `bytes=` range — `a-b`, `a-` or the suffix `-n`.
 * Several ranges would need multipart/byteranges, which resuming clients never ask for; such
 * requests get the whole file (a server may ignore Range). Unsatisfiable ranges get 416.
 */
export type RangeResult =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) {
    return { kind: 'full' };
  }
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (m === null) {
    // Multiple ranges or another unit: ignore the header.
    return { kind: 'full' };
  }
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') {
    return { kind: 'full' };
  }
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) {
      return { kind: 'unsatisfiable' };
    }
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || (b !== '' && Number(b) < start)) {
    return { kind: 'unsatisfiable' };
  }
  return { kind: 'partial', start, end };
}
