/**
 * The Fleet server configuration a provisioned sandbox needs: the enroll pool (global first, then one
 * per team), the team limit, and where the installers are, under both the names of the sandbox design
 * (`FLEET_PACKAGES_S3_*`) and the names the shipped Fleet server reads (`FLEET_PACKAGING_*`).
 */
import { writeFileAtomic } from '../core/fs-atomic.js';
import { serverPrefix, type Destination } from './destination.js';

export interface ServerConfigInput {
  readonly secrets: readonly string[];
  readonly teams: number;
  readonly destination: Destination;
  readonly installersDir: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
}

export function serverEnvironment(c: ServerConfigInput): Record<string, string> {
  const env: Record<string, string> = {
    FLEET_ENROLL_POOL: c.secrets.join(','),
    FLEET_MAX_TEAMS: String(c.teams),
    FLEET_DISABLE_ENROLL_CHANGE: 'true',
    FLEET_PACKAGING_GLOBAL_ENROLL_SECRET: c.secrets[0] ?? '',
  };
  const prefix = serverPrefix(c.destination, c.installersDir);
  if (c.destination.kind === 's3') {
    const s3: Record<string, string> = {
      BUCKET: c.destination.bucket,
      PREFIX: prefix,
      REGION: c.region ?? '',
      ENDPOINT_URL: c.endpoint ?? '',
      FORCE_S3_PATH_STYLE: String(c.forcePathStyle),
    };
    for (const [k, v] of Object.entries(s3)) {
      env[`FLEET_PACKAGES_S3_${k}`] = v;
      env[`FLEET_PACKAGING_S3_${k}`] = v;
    }
  } else {
    env['FLEET_PACKAGES_DIR'] = `${c.destination.dir}${prefix === '' ? '' : `/${prefix}`}`;
  }
  return env;
}

export function renderEnvFile(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
}

export async function writeEnvFile(path: string, env: Record<string, string>): Promise<void> {
  await writeFileAtomic(path, `# Fleet server settings written by fleetctl sandbox provision (contains enroll secrets)\n${renderEnvFile(env)}`, 0o600);
}
