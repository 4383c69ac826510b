/**
 * Comparison of dotted numeric versions as they appear in TUF `custom.version` (`1.38.0`, `5.15.0`,
 * `1.2.3-4`). Non-numeric suffixes are ignored for ordering; missing parts count as 0.
 */
function parts(v: string): number[] {
  return v
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((p) => Number.parseInt(p, 10))
    .map((n) => (Number.isFinite(n) ? n : 0));
}

export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) {
      return d < 0 ? -1 : 1;
    }
  }
  return 0;
}

export function versionLessThan(a: string, b: string): boolean {
  return compareVersions(a, b) < 0;
}
