/**
 * Fleet's target naming rules (from `fleetctl updates add`): the repository path of a target is
 * `<name>/<platform>/<tag>/<file>`, where the file is the target name plus a suffix kept from the
 * uploaded file, with a few fixed special cases.
 */
import { basename } from 'node:path';

const SUFFIXES = ['.app.tar.gz', '.ext.exe', '.tar.gz', '.exe', '.pkg', '.ext'];

export function targetFileName(name: string, platform: string, uploaded: string): string {
  if (name === 'desktop' && platform.startsWith('windows')) {
    return 'fleet-desktop.exe';
  }
  if (name === 'desktop' && (platform === 'linux' || platform === 'linux-arm64')) {
    return 'desktop.tar.gz';
  }
  if (name.startsWith('extensions/')) {
    return name.slice('extensions/'.length);
  }
  const file = basename(uploaded);
  const suffix = SUFFIXES.find((s) => file.endsWith(s)) ?? '';
  return `${name}${suffix}`;
}

export function targetRepoPath(name: string, platform: string, tag: string, file: string): string {
  return `${name}/${platform}/${tag}/${file}`;
}
