/**
 * MSI ProductVersion from the orbit version. Windows Installer wants `major.minor.build[.revision]` with
 * major, minor ≤ 255 and build ≤ 65535 (the fourth field is ignored by upgrade detection). Fleet's
 * SanitizeVersion accepts `1.2.3-4` as 1.2.3.4; anything else non-numeric is rejected.
 */
import { UserError } from '../../core/errors.js';

export function productVersion(v: string): string {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[.-](\d+))?$/.exec(v.trim());
  if (m === null) {
    throw new UserError('MSI_VERSION', `orbit version ${JSON.stringify(v)} cannot be used as an MSI ProductVersion (need a.b.c)`);
  }
  const [a, b, c, d] = [m[1], m[2], m[3] ?? '0', m[4]].map((x) => (x === undefined ? undefined : Number(x)));
  if (a! > 255 || b! > 255 || c! > 65535 || (d !== undefined && d > 65535)) {
    throw new UserError('MSI_VERSION', `orbit version ${v} is out of range for an MSI ProductVersion (255.255.65535)`);
  }
  return d === undefined ? `${a}.${b}.${c}` : `${a}.${b}.${c}.${d}`;
}

/** Compares dotted numeric versions (missing parts are 0). */
export function versionAtLeast(v: string, min: string): boolean {
  const pa = v.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const pb = min.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) {
      return d > 0;
    }
  }
  return true;
}
