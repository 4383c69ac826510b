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
  const desktop = o.fleetDesktop && targets.desktop !== undefined;
  // [included?, key, value] in the order of Fleet's template.
  const rows: Array<[boolean, string, string]> = [
    [true, 'ORBIT_UPDATE_URL', o.updateUrl],
    [true, 'ORBIT_ORBIT_CHANNEL', o.orbitChannel],
    [true, 'ORBIT_OSQUERYD_CHANNEL', o.osquerydChannel],
    [true, 'ORBIT_UPDATE_INTERVAL', o.updateInterval],
    [desktop, 'ORBIT_FLEET_DESKTOP', 'true'],
    [desktop, 'ORBIT_DESKTOP_CHANNEL', o.desktopChannel],
    [desktop && o.fleetDesktopAlternativeBrowserHost !== '', 'ORBIT_FLEET_DESKTOP_ALTERNATIVE_BROWSER_HOST', o.fleetDesktopAlternativeBrowserHost],
    [o.insecure, 'ORBIT_INSECURE', 'true'],
    [o.disableUpdates, 'ORBIT_DISABLE_UPDATES', 'true'],
    [o.fleetUrl !== '', 'ORBIT_FLEET_URL', o.fleetUrl],
    [o.fleetCertificate !== undefined, 'ORBIT_FLEET_CERTIFICATE', '/opt/orbit/fleet.pem'],
    [o.updateTlsCertificate !== undefined, 'ORBIT_UPDATE_TLS_CERTIFICATE', '/opt/orbit/update.pem'],
    [o.fleetTlsClientCertificate !== undefined, 'ORBIT_FLEET_TLS_CLIENT_CERTIFICATE', '/opt/orbit/fleet_client.crt'],
    [o.fleetTlsClientKey !== undefined, 'ORBIT_FLEET_TLS_CLIENT_KEY', '/opt/orbit/fleet_client.key'],
    [o.updateTlsClientCertificate !== undefined, 'ORBIT_UPDATE_TLS_CLIENT_CERTIFICATE', '/opt/orbit/update_client.crt'],
    [o.updateTlsClientKey !== undefined, 'ORBIT_UPDATE_TLS_CLIENT_KEY', '/opt/orbit/update_client.key'],
    [o.enrollSecret !== '', 'ORBIT_ENROLL_SECRET', o.enrollSecret],
    [o.debug, 'ORBIT_DEBUG', 'true'],
    [o.enableScripts, 'ORBIT_ENABLE_SCRIPTS', 'true'],
    [o.hostIdentifier !== 'uuid', 'ORBIT_HOST_IDENTIFIER', o.hostIdentifier],
    [o.osqueryDb !== '', 'ORBIT_OSQUERY_DB', o.osqueryDb],
    [o.endUserEmail !== '', 'ORBIT_END_USER_EMAIL', o.endUserEmail],
    [o.fleetManagedHostIdentityCertificate, 'ORBIT_FLEET_MANAGED_HOST_IDENTITY_CERTIFICATE', 'true'],
    [o.disableSetupExperience, 'ORBIT_DISABLE_SETUP_EXPERIENCE', 'true'],
    [o.bypassEndUserAuth, 'ORBIT_BYPASS_END_USER_AUTH', 'true'],
  ];
  return rows.filter(([on]) => on).map(([, k, v]) => [k, v]);
}

export function renderEnvFile(o: PackageOptions, targets: StagedTargets): string {
  return orbitEnvironment(o, targets)
    .map(([k, v]) => `${k}=${envValue(v)}\n`)
    .join('');
}
