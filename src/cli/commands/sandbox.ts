/**
 * `fleetctl sandbox provision`: flag declarations; the work is in src/cli/run-sandbox.ts (lazy import).
 */
import { Option } from 'commander';
import type { CommandModule } from '../context.js';
import { boolOption } from '../flags.js';
import { addInstallerFlags } from '../installer-flags.js';

export const registerSandbox: CommandModule = (program, ctx) => {
  const sandbox = program.command('sandbox').description('Pre-provision Fleet Sandbox instances');
  const cmd = sandbox
    .command('provision')
    .description(
      'Generate T+1 enroll secrets, build every installer type for each, store them as <prefix>/<installers-dir>/<secret>/fleet-osquery.<type> and emit the Fleet server settings (FLEET_ENROLL_POOL, …)',
    )
    .requiredOption('--teams <n>', 'number of teams T (the pool has T+1 secrets: global first)')
    .addOption(new Option('--types <list>', 'installer types, comma-separated').default('pkg,msi,deb,rpm'))
    .option('--dest <s3://bucket/prefix|dir>', 'where to store the installers: an S3 URL or a local directory', '.')
    .option('--installers-dir <name>', 'directory (key prefix) for the installers under the destination; may be empty', 'fleet-installers')
    .option('--secrets-file <path>', 'reuse the pool in this file, or write a new pool to it (0600) before building')
    .option('--env-file <path>', 'write the Fleet server settings to this env file (0600)', 'fleet-sandbox.env')
    .option('--concurrency <n>', 'installers built and stored at once', '2')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint URL (MinIO, R2, …)')
    .option('--s3-region <region>', 'S3 region (default: AWS_REGION or us-east-1)')
    .addOption(boolOption('--s3-force-path-style', 'use path-style S3 URLs (most S3-compatible stores need it)'))
    .addOption(boolOption('--s3-checksum-when-required', "send S3 checksums only when required (some S3-compatible stores reject the SDK's default CRC32 checksums)"))
    .addOption(boolOption('--offline', 'build only from cached, still-valid TUF metadata and targets'))
    .option('--json', 'print a JSON summary (settings and objects) on stdout');
  addInstallerFlags(cmd).action(async (opts: Record<string, unknown>) => {
    const { runSandboxProvision } = await import('../run-sandbox.js');
    await runSandboxProvision(opts, ctx);
  });
};
