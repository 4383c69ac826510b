/**
 * orbit's configuration on Windows, as the newest Fleet installer writes it: no service command-line
 * arguments, but `ORBIT_*=value` entries in the service's `Environment` registry value (REG_MULTI_SZ under
 * HKLM\SYSTEM\CurrentControlSet\Services\Fleet osquery), which the Service Control Manager passes to the
 * process. Unknown variables are harmless, so a downgraded orbit does not die on flags it does not know, as
 * it did with arguments. Values in `[BRACKETS]` are MSI properties, resolved at install time, so a base
 * MSI can be customised on the msiexec command line (FLEET_URL=..., FLEET_DESKTOP=True, ...).
 */
import type { PackageOptions } from '../types.js';

export const SERVICE_NAME = 'Fleet osquery';
export const SERVICE_KEY = `SYSTEM\\CurrentControlSet\\Services\\${SERVICE_NAME}`;
export const LOG_FILE = '[System64Folder]config\\systemprofile\\AppData\\Local\\FleetDM\\Orbit\\Logs\\orbit-osquery.log';

export interface EnvironmentFeatures {
  /** orbit ≥ 1.28.0 understands ORBIT_END_USER_EMAIL. */
  readonly endUserEmail: boolean;
  /** orbit ≥ 1.55.0 understands ORBIT_EUA_TOKEN. */
  readonly euaToken: boolean;
  readonly fleetCertificate: boolean;
  readonly updateTlsCertificate: boolean;
}

const lit = (s: string): string => escapeFormatted(s);

/** The `ORBIT_*=value` list, in Fleet's order; literal option values are escaped for the Formatted column. */
export function orbitEnvironment(o: PackageOptions, f: EnvironmentFeatures): string[] {
  const env: string[] = ['ORBIT_ROOT_DIR=[ORBITROOT].', `ORBIT_LOG_FILE=${LOG_FILE}`, 'ORBIT_FLEET_URL=[FLEET_URL]'];
  if (f.fleetCertificate) {
    env.push('ORBIT_FLEET_CERTIFICATE=[ORBITROOT]fleet.pem');
  }
  env.push('ORBIT_ENROLL_SECRET_PATH=[ORBITROOT]secret.txt');
  if (o.insecure) {
    env.push('ORBIT_INSECURE=true');
  }
  if (o.debug) {
    env.push('ORBIT_DEBUG=true');
  }
  if (o.updateUrl !== '') {
    env.push(`ORBIT_UPDATE_URL=${lit(o.updateUrl)}`);
  }
  if (f.updateTlsCertificate) {
    env.push('ORBIT_UPDATE_TLS_CERTIFICATE=[ORBITROOT]update.pem');
  }
  if (o.disableUpdates) {
    env.push('ORBIT_DISABLE_UPDATES=true');
  }
  env.push(`ORBIT_UPDATE_INTERVAL=${lit(o.updateInterval)}`);
  env.push('ORBIT_FLEET_DESKTOP=[FLEET_DESKTOP]');
  env.push(`ORBIT_DESKTOP_CHANNEL=${lit(o.desktopChannel)}`);
  if (o.fleetDesktopAlternativeBrowserHost !== '') {
    env.push(`ORBIT_FLEET_DESKTOP_ALTERNATIVE_BROWSER_HOST=${lit(o.fleetDesktopAlternativeBrowserHost)}`);
  }
  env.push(`ORBIT_ORBIT_CHANNEL=${lit(o.orbitChannel)}`);
  env.push(`ORBIT_OSQUERYD_CHANNEL=${lit(o.osquerydChannel)}`);
  env.push('ORBIT_ENABLE_SCRIPTS=[ENABLE_SCRIPTS]');
  if (o.hostIdentifier !== 'uuid') {
    env.push(`ORBIT_HOST_IDENTIFIER=${lit(o.hostIdentifier)}`);
  }
  if (f.endUserEmail) {
    env.push('ORBIT_END_USER_EMAIL=[END_USER_EMAIL]');
  }
  if (f.euaToken) {
    env.push('ORBIT_EUA_TOKEN=[EUA_TOKEN]');
  }
  if (o.osqueryDb !== '') {
    env.push(`ORBIT_OSQUERY_DB=${lit(o.osqueryDb)}`);
  }
  if (o.disableSetupExperience) {
    env.push('ORBIT_DISABLE_SETUP_EXPERIENCE=true');
  }
  env.push('ORBIT_BYPASS_END_USER_AUTH=[BYPASS_END_USER_AUTH]');
  for (const e of env) {
    if (!/^ORBIT_[A-Z_]+=/.test(e)) {
      throw new Error(`bad orbit environment entry ${e}`);
    }
    if (e.includes('[~]')) {
      throw new RangeError('orbit environment values must not contain [~]');
    }
  }
  return env;
}

/**
 * The Registry.Value for a REG_MULTI_SZ: entries joined with `[~]` (a formatted-string token for NUL);
 * with `[~]` only between entries the value replaces whatever was there.
 */
export function multiString(entries: readonly string[]): string {
  return entries.join('[~]');
}

/** Escapes `[`, `]`, `{`, `}` (`[\[]`) so Windows Installer does not read a literal as a property. */
export function escapeFormatted(s: string): string {
  return s.replace(/[[\]{}]/g, (c) => `[\\${c}]`);
}
