/**
 * Debian-tool checks shared by the deb verify tests: lintian with the project's justified suppressions,
 * and dpkg operating on a scratch root.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runOk, type RunResult } from './tools.js';

/**
 * lintian tags suppressed for every fleet-osquery deb, each because Fleet's agent layout is fixed by
 * orbit and the package is not a Debian archive package:
 *  dir-or-file-in-opt, dir-in-usr-local, file-in-usr-local: orbit lives in /opt/orbit and links itself
 *    from /usr/local/bin/orbit (hard-coded in orbit and in Fleet's docs);
 *  file-in-etc-not-marked-as-conffile: /etc/default/orbit carries the per-tenant enrollment and must
 *    follow the installer on upgrade (as Fleet's packages do), not be kept as a modified conffile;
 *  no-copyright-file, no-changelog: a per-tenant installer built on demand, not an archive package.
 */
export const FLEET_LINTIAN_SUPPRESSIONS = [
  'dir-or-file-in-opt',
  'dir-in-usr-local',
  'file-in-usr-local',
  'file-in-etc-not-marked-as-conffile',
  'no-copyright-file',
  'no-changelog',
] as const;

/** Runs lintian (failing on errors) with the Fleet suppressions plus any extra, justified ones. */
export function lintian(deb: string, extraSuppressions: readonly string[] = []): RunResult {
  return run('lintian', ['--tag-display-limit', '0', '--fail-on', 'error', '--suppress-tags', [...FLEET_LINTIAN_SUPPRESSIONS, ...extraSuppressions].join(','), deb]);
}

/** An empty dpkg database under root, and a dpkg that acts on it (maintainer scripts run chrootless). */
export function scratchDpkg(root: string): (...args: string[]) => string {
  mkdirSync(join(root, 'var/lib/dpkg/info'), { recursive: true });
  mkdirSync(join(root, 'var/lib/dpkg/updates'), { recursive: true });
  writeFileSync(join(root, 'var/lib/dpkg/status'), '');
  return (...args: string[]): string => runOk('dpkg', [`--root=${root}`, '--log=/dev/null', '--force-script-chrootless', '--force-not-root', ...args]);
}
