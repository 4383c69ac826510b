/**
 * `fleetctl package`: flag declarations only; the build runs in src/cli/run-package.ts (lazy import).
 */
import { Option } from 'commander';
import type { CommandModule } from '../context.js';
import { boolOption, collect } from '../flags.js';
import { addInstallerFlags } from '../installer-flags.js';

export const registerPackage: CommandModule = (program, ctx) => {
  const cmd = program
    .command('package')
    .summary('Create a fleetd agent')
    .description('An easy way to create fully boot-strapped installer packages for Windows, macOS, or Linux')
    .addOption(new Option('--type <type>', 'type of package to build: deb, rpm, pkg or msi (required)'));
  addInstallerFlags(cmd)
    .option('--enroll-secret <secret>', 'enroll secret for authenticating to Fleet server')
    .option('--outfile <path>', 'output file name (must end with the package type extension)')
    // macOS signing and notarization (pkg); test/advanced endpoints are environment-only, see src/packaging/pkg/sign-options.ts.
    .addOption(
      new Option('--macos-devid-pem-content <pem>', 'Developer ID Installer certificate chain and private key, PEM (pkg)').env(
        'FLEETCTL_MACOS_DEVID_PEM_CONTENT',
      ),
    )
    .option('--macos-devid-pem <path>', 'file holding the Developer ID Installer certificate chain and private key, PEM (pkg)')
    .option(
      '--macos-devid-p12 <path>',
      'Developer ID Installer identity as a .p12 file; passphrase from FLEETCTL_MACOS_DEVID_P12_PASSPHRASE (pkg)',
    )
    .option(
      '--timestamp-url <url>',
      'RFC 3161 timestamp server for the signature, or "none"; msi: repeat to fall back in order, pkg: the first is used (default: none, Apple\'s when notarizing)',
      collect,
    )
    .addOption(boolOption('--notarize', 'notarize the signed pkg with Apple and staple the ticket'))
    .addOption(
      new Option('--app-store-connect-api-key-id <id>', 'App Store Connect API key ID, for notarization').env(
        'FLEETCTL_APP_STORE_CONNECT_API_KEY_ID',
      ),
    )
    .addOption(
      new Option('--app-store-connect-api-key-issuer <uuid>', 'App Store Connect API key issuer ID, for notarization').env(
        'FLEETCTL_APP_STORE_CONNECT_API_KEY_ISSUER',
      ),
    )
    .addOption(
      new Option('--app-store-connect-api-key-content <p8>', 'App Store Connect API key (.p8 contents), for notarization').env(
        'FLEETCTL_APP_STORE_CONNECT_API_KEY_CONTENT',
      ),
    )
    .option('--notarize-timeout <duration>', 'give up waiting for Apple after this long (Go duration)', '30m')
    .addOption(boolOption('--offline', 'build only from cached, still-valid TUF metadata and targets (no network)'))
    .option('--json', 'print the result as JSON on stdout')
    .option('--remote <url>', 'have a Packager service (`fleetctl packager serve`) at this URL build the installer and download it here')
    .action(async (opts: Record<string, unknown>) => {
      const { runPackage } = await import('../run-package.js');
      await runPackage(opts, ctx);
    });
};
