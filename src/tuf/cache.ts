/**
 * Where fleetctl keeps verified TUF state between runs: `$XDG_CACHE_HOME/fleetctl` (else
 * `~/.cache/fleetctl`). Metadata lives per repository namespace (hash of the update URL and the
 * initial trusted root, so a custom repository never shares state with Fleet's); targets live in
 * one content-addressed store keyed by their signed sha512 (or sha256), shared by all namespaces.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(env: NodeJS.ProcessEnv): string {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg !== undefined && xdg !== '') {
    return join(xdg, 'fleetctl');
  }
  return join(env['HOME'] ?? homedir(), '.cache', 'fleetctl');
}

export function metadataNamespace(updateUrl: string, rootJson: string): string {
  return createHash('sha256').update(updateUrl).update('\0').update(rootJson).digest('hex').slice(0, 24);
}

export function metadataDir(root: string, namespace: string): string {
  return join(root, 'tuf', namespace);
}

export function targetStorePath(root: string, algorithm: string, hex: string): string {
  return join(root, 'targets', algorithm, hex);
}
