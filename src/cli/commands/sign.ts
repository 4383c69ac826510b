/**
 * `fleetctl sign msi`: Authenticode-sign an existing Windows Installer package (ours or anyone's).
 * Flag declarations only; the work happens in src/cli/run-sign.ts (lazy import).
 */
import type { CommandModule } from '../context.js';
import { collect } from '../flags.js';
import { addWindowsSigningFlags } from '../installer-flags.js';

export const registerSign: CommandModule = (program, ctx) => {
  const sign = program.command('sign').description('Sign existing installers');
  const msi = sign
    .command('msi')
    .description('Authenticode-sign a Windows Installer package (replaces any existing signature; the input is left untouched)')
    .requiredOption('--in <path>', 'the .msi to sign')
    .requiredOption('--out <path>', 'where to write the signed .msi (written atomically; must differ from --in)');
  addWindowsSigningFlags(msi)
    .option(
      '--timestamp-url <url>',
      'RFC 3161 timestamp server; repeat to fall back in order, "none" for no timestamp (default: none)',
      collect,
    )
    .option('--description <text>', 'program name Windows shows for the signature (e.g. in the UAC prompt)')
    .option('--url <url>', 'more-information URL recorded with the signature')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (opts: Record<string, unknown>) => {
      const { runSignMsi } = await import('../run-sign.js');
      await runSignMsi(opts, ctx);
    });
};
