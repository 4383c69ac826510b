/**
 * The installed file tree and maintainer scripts shared by the deb and rpm packagers: the orbit root
 * under /opt/orbit, the systemd unit, /etc/default/orbit, orbit's two "current version" symlinks and
 * its log directories, as Fleet's nfpm-based packaging lays them out (reference: fleetctl-package §3.1).
 */
import type { ArchiveEntry } from '../../formats/entry.js';
import { parentDirs, sortByPath } from '../../formats/entry.js';
import { renderTemplateFile } from '../../core/template.js';
import { versionLessThan } from '../../core/version.js';
import type { BuildContext } from '../types.js';
import { renderEnvFile } from './env-file.js';

export const ORBIT_ROOT = 'opt/orbit';

function owned(e: Omit<ArchiveEntry, 'uid' | 'gid' | 'uname' | 'gname'>): ArchiveEntry {
  return { ...e, uid: 0, gid: 0, uname: 'root', gname: 'root' };
}

function bytesEntry(path: string, mode: number, text: string, mtime: number): ArchiveEntry {
  const data = Buffer.from(text, 'utf8');
  return owned({ path, type: 'file', mode, mtime, size: data.length, content: { kind: 'bytes', data } });
}

export async function linuxPayload(ctx: BuildContext): Promise<ArchiveEntry[]> {
  const { options: o, targets } = ctx;
  const mtime = o.mtime;
  const out: ArchiveEntry[] = ctx.orbitRoot.map((e) => owned({ ...e, path: `${ORBIT_ROOT}/${e.path}` }));
  out.push(owned({ path: ORBIT_ROOT, type: 'dir', mode: 0o755, mtime, size: 0 }));
  out.push(bytesEntry('etc/default/orbit', 0o600, renderEnvFile(o, targets), mtime));
  out.push(bytesEntry('usr/lib/systemd/system/orbit.service', 0o644, renderTemplateFile('linux/orbit.service', { cpuQuota: o.cpuQuota }), mtime));
  const symlink = (path: string, linkTarget: string): ArchiveEntry =>
    owned({ path, type: 'symlink', mode: 0o777, mtime, size: 0, linkTarget });
  out.push(symlink(`${ORBIT_ROOT}/bin/orbit/orbit`, `/${ORBIT_ROOT}/${targets.orbit.execPath}`));
  out.push(symlink('usr/local/bin/orbit', `/${ORBIT_ROOT}/bin/orbit/orbit`));
  if (versionLessThan(targets.orbit.version, '0.0.11')) {
    // orbit before 0.0.11 lived in /var/lib/orbit.
    out.push(symlink('var/lib/orbit', `/${ORBIT_ROOT}`));
  }
  for (const d of ['var/log/orbit', 'var/log/osquery']) {
    out.push(owned({ path: d, type: 'dir', mode: 0o755, mtime, size: 0 }));
  }
  // dpkg does not create missing parents: every ancestor must be an explicit directory entry.
  const have = new Set(out.map((e) => e.path));
  for (const e of [...out]) {
    for (const d of parentDirs(e.path)) {
      if (!have.has(d)) {
        have.add(d);
        out.push(owned({ path: d, type: 'dir', mode: 0o755, mtime, size: 0 }));
      }
    }
  }
  return sortByPath(out);
}

export interface LinuxScripts {
  readonly postInstall: string;
  readonly preRemove: string;
  readonly postRemove: string;
  readonly postTrans?: string;
}

/**
 * Maintainer scripts. Fleet's pre-remove script matches `1|remove|deconfigure` (stop) and `0|upgrade`
 * (keep), which inverts rpm's convention (rpm passes 0 on erase and 1 on upgrade): on rpm, Fleet stops
 * orbit on upgrade and leaves it running after erase. We match each package manager's real arguments
 * instead: stop on `remove`/`deconfigure` (dpkg) and on `0` (rpm erase); keep running on upgrade.
 */
export function linuxScripts(ctx: BuildContext, flavor: 'deb' | 'rpm'): LinuxScripts {
  const service = ctx.options.service;
  const safeRestart = renderTemplateFile('linux/safe-restart.sh', {}).replace(/\n$/, '');
  const removeArgs = flavor === 'deb' ? 'remove|deconfigure' : '0';
  const postRemoveArgs = flavor === 'deb' ? 'remove|purge' : '0';
  const tidy = (s: string): string => s.replace(/\n{3,}/g, '\n\n');
  return {
    postInstall: tidy(renderTemplateFile('linux/postinstall.sh', { service, safeRestart })),
    preRemove: renderTemplateFile('linux/preremove.sh', { removeArgs }),
    postRemove: renderTemplateFile('linux/postremove.sh', { removeArgs: postRemoveArgs }),
    ...(flavor === 'rpm' ? { postTrans: tidy(renderTemplateFile('linux/posttrans.sh', { service, safeRestart })) } : {}),
  };
}
