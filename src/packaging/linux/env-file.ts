/**
 * /etc/default/orbit: the systemd EnvironmentFile that configures orbit on Linux (Fleet stores the
 * enroll secret here, mode 0600, instead of a secret.txt). Keys and their conditions follow Fleet's
 * template; unlike Fleet's, values that systemd would mis-parse are double-quoted and escaped.
 */
import type { PackageOptions, StagedTargets } from '../types.js';

/** Plain values go out as-is (Fleet's format); anything systemd treats specially is quoted. */
export function envValue(v: string): string {
  if (/^[A-Za-z0-9_.,:/@%+=~-]*$/.test(v)) {
    return v;
  }
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$')}"`;
}

export function orbitEnvironment(o: PackageOptions, targets: StagedTargets): Array<[string, string]> {
  const env: Array<[string, string]> = [];
  const add = (k: string, v: string): void => {
    env.push([k, v]);
  };
  add('ORBIT_UPDATE_URL', o.updateUrl);
  add('ORBIT_ORBIT_CHANNEL', o.orbitChannel);
  add('ORBIT_OSQUERYD_CHANNEL', o.osquerydChannel);
  add('ORBIT_UPDATE_INTERVAL', o.updateInterval);
  if (o.fleetDesktop && targets.desktop !== undefined) {
    add('ORBIT_FLEET_DESKTOP', 'true');
    add('ORBIT_DESKTOP_CHANNEL', o.desktopChannel);
    if (o.fleetDesktopAlternativeBrowserHost !== '') {
      add('ORBIT_FLEET_DESKTOP_ALTERNATIVE_BROWSER_HOST', o.fleetDesktopAlternativeBrowserHost);
    }
  }
  if (o.insecure) add('ORBIT_INSECURE', 'true');
  if (o.disableUpdates) add('ORBIT_DISABLE_UPDATES', 'true');
  if (o.fleetUrl !== '') add('ORBIT_FLEET_URL', o.fleetUrl);
  if (o.fleetCertificate !== undefined) add('ORBIT_FLEET_CERTIFICATE', '/opt/orbit/fleet.pem');
  if (o.updateTlsCertificate !== undefined) add('ORBIT_UPDATE_TLS_CERTIFICATE', '/opt/orbit/update.pem');
  if (o.fleetTlsClientCertificate !== undefined) {
    add('ORBIT_FLEET_TLS_CLIENT_CERTIFICATE', '/opt/orbit/fleet_client.crt');
    add('ORBIT_FLEET_TLS_CLIENT_KEY', '/opt/orbit/fleet_client.key');
  }
  if (o.updateTlsClientCertificate !== undefined) {
    add('ORBIT_UPDATE_TLS_CLIENT_CERTIFICATE', '/opt/orbit/update_client.crt');
    add('ORBIT_UPDATE_TLS_CLIENT_KEY', '/opt/orbit/update_client.key');
  }
  if (o.enrollSecret !== '') add('ORBIT_ENROLL_SECRET', o.enrollSecret);
  if (o.debug) add('ORBIT_DEBUG', 'true');
  if (o.enableScripts) add('ORBIT_ENABLE_SCRIPTS', 'true');
  if (o.hostIdentifier !== 'uuid') add('ORBIT_HOST_IDENTIFIER', o.hostIdentifier);
  if (o.osqueryDb !== '') add('ORBIT_OSQUERY_DB', o.osqueryDb);
  if (o.endUserEmail !== '') add('ORBIT_END_USER_EMAIL', o.endUserEmail);
  if (o.fleetManagedHostIdentityCertificate) add('ORBIT_FLEET_MANAGED_HOST_IDENTITY_CERTIFICATE', 'true');
  if (o.disableSetupExperience) add('ORBIT_DISABLE_SETUP_EXPERIENCE', 'true');
  if (o.bypassEndUserAuth) add('ORBIT_BYPASS_END_USER_AUTH', 'true');
  return env;
}

export function renderEnvFile(o: PackageOptions, targets: StagedTargets): string {
  return orbitEnvironment(o, targets)
    .map(([k, v]) => `${k}=${envValue(v)}\n`)
    .join('');
}
