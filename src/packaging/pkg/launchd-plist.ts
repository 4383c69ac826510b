/**
 * The launchd daemon definition `/Library/LaunchDaemons/com.fleetdm.orbit.plist`: the same keys and
 * environment as Fleet's `macosLaunchdTemplate`, built with the `plist` library so every value is
 * XML-escaped (Fleet's text template is not: a `&` in a URL would break the plist).
 *
 * orbit is always started from /opt/orbit/bin/orbit/orbit, never from the /usr/local/bin link,
 * which users can often write to: launchd running that copy as root would be a privilege escalation.
 */
import { build, type PlistValue } from 'plist';
import type { PackageOptions } from '../types.js';

export const LAUNCHD_LABEL = 'com.fleetdm.orbit';
export const LAUNCHD_PLIST_PATH = `Library/LaunchDaemons/${LAUNCHD_LABEL}.plist`;

/** orbit's environment, in Fleet's order; conditional keys only when the option is set. */
export function orbitEnvironment(o: PackageOptions): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (cond: boolean, key: string, value: string): void => {
    if (cond) {
      env[key] = value;
    }
  };
  set(o.debug, 'ORBIT_DEBUG', 'true');
  set(o.insecure, 'ORBIT_INSECURE', 'true');
  set(o.fleetCertificate !== undefined && o.fleetCertificate !== '', 'ORBIT_FLEET_CERTIFICATE', '/opt/orbit/fleet.pem');
  set(o.enrollSecret !== '', 'ORBIT_ENROLL_SECRET_PATH', '/opt/orbit/secret.txt');
  set(o.fleetUrl !== '', 'ORBIT_FLEET_URL', o.fleetUrl);
  set(o.useSystemConfiguration, 'ORBIT_USE_SYSTEM_CONFIGURATION', 'true');
  set(o.enableScripts, 'ORBIT_ENABLE_SCRIPTS', 'true');
  set(o.disableUpdates, 'ORBIT_DISABLE_UPDATES', 'true');
  env['ORBIT_ORBIT_CHANNEL'] = o.orbitChannel;
  env['ORBIT_OSQUERYD_CHANNEL'] = o.osquerydChannel;
  env['ORBIT_UPDATE_URL'] = o.updateUrl;
  set(o.updateTlsCertificate !== undefined && o.updateTlsCertificate !== '', 'ORBIT_UPDATE_TLS_CERTIFICATE', '/opt/orbit/update.pem');
  if (o.fleetDesktop) {
    env['ORBIT_FLEET_DESKTOP'] = 'true';
    env['ORBIT_DESKTOP_CHANNEL'] = o.desktopChannel;
    set(o.fleetDesktopAlternativeBrowserHost !== '', 'ORBIT_FLEET_DESKTOP_ALTERNATIVE_BROWSER_HOST', o.fleetDesktopAlternativeBrowserHost);
  }
  env['ORBIT_UPDATE_INTERVAL'] = o.updateInterval;
  set(o.hostIdentifier !== 'uuid', 'ORBIT_HOST_IDENTIFIER', o.hostIdentifier);
  set(o.disableKeystore, 'ORBIT_DISABLE_KEYSTORE', 'true');
  set(o.osqueryDb !== '', 'ORBIT_OSQUERY_DB', o.osqueryDb);
  // ORBIT_BYPASS_END_USER_AUTH is deliberately absent: Fleet excludes macOS from that option.
  return env;
}

export function launchdPlist(o: PackageOptions): string {
  const doc: PlistValue = {
    EnvironmentVariables: orbitEnvironment(o),
    KeepAlive: true,
    Label: LAUNCHD_LABEL,
    ProgramArguments: ['/opt/orbit/bin/orbit/orbit'],
    RunAtLoad: true,
    StandardErrorPath: '/var/log/orbit/orbit.stderr.log',
    StandardOutPath: '/var/log/orbit/orbit.stdout.log',
    ThrottleInterval: 10,
  };
  return `${build(doc)}\n`;
}
