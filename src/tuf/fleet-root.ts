/**
 * The trust root fleetctl ships for Fleet's update server (https://updates.fleetdm.com): Fleet's
 * go-tuf root.json, version 6, verbatim. Its own expiry does not matter: TUF clients accept an expired
 * initial root and walk the server's N.root.json rotations to a current one.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT_FILE = fileURLToPath(new URL('../../assets/tuf/updates.fleetdm.com-root-v6.json', import.meta.url));

export function fleetRootJson(): string {
  return readFileSync(ROOT_FILE, 'utf8').trim();
}
