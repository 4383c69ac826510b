/**
 * The installer flags `package` shares with `sandbox provision` (and, through it, with any command that
 * builds installers): declared once so the commands cannot drift apart.
 */
import { Option, type Command } from 'commander';
import { boolOption } from './flags.js';

export function addInstallerFlags(cmd: Command): Command {
  cmd
    .addOption(new Option('--arch <arch>', 'target CPU architecture: amd64 or arm64 (deb, rpm, msi)').default('amd64'))
    .option('--fleet-url <url>', 'URL (host:port) of Fleet server')
    .option('--fleet-certificate <path>', 'path to the Fleet server certificate chain')
    .option('--fleet-tls-client-certificate <path>', 'Fleet TLS client certificate (PEM) to use for authentication')
    .option('--fleet-tls-client-key <path>', 'Fleet TLS client private key (PEM) to use for authentication')
    .option('--fleet-desktop-alternative-browser-host <host>', 'alternative host:port Fleet Desktop uses for browser links')
    .option('--identifier <id>', 'identifier for package product (pkg only)', 'com.fleetdm.orbit')
    .addOption(boolOption('--insecure', 'disable TLS certificate verification in orbit'))
    .addOption(boolOption('--service', 'install orbit as a system service (default true)').default(true))
    .option('--osqueryd-channel <channel>', 'update channel of osqueryd to use', 'stable')
    .option('--desktop-channel <channel>', 'update channel of Fleet Desktop to use', 'stable')
    .option('--orbit-channel <channel>', 'update channel of orbit to use', 'stable')
    .addOption(boolOption('--disable-updates', 'disable auto updates on the generated package'))
    .addOption(boolOption('--disable-setup-experience', 'disable the setup experience for Linux or Windows hosts'))
    .addOption(boolOption('--bypass-end-user-auth', 'skip end-user authentication at enrollment (Linux, Windows)'))
    .option('--update-url <url>', 'TUF update server URL: https://, http://, file:// or a directory (air-gapped mirror)', 'https://updates.fleetdm.com')
    .option('--update-roots <json|path>', 'root.json of the TUF update server (output of `fleetctl updates roots`) or its path')
    .option('--update-tls-certificate <path>', 'CA certificate of the update server (used at build time and shipped as update.pem)')
    .option('--update-tls-client-certificate <path>', 'update server TLS client certificate (PEM)')
    .option('--update-tls-client-key <path>', 'update server TLS client private key (PEM)')
    .option('--osquery-flagfile <path>', 'flagfile to configure osquery')
    .addOption(boolOption('--debug', 'enable debug logging in orbit'))
    .addOption(boolOption('--verbose', 'log detailed information when building the package'))
    .addOption(boolOption('--fleet-desktop', 'include the Fleet Desktop application in the package'))
    .option('--update-interval <duration>', 'interval orbit uses to check for updates (Go duration, e.g. 15m, 1h)', '15m0s')
    .addOption(boolOption('--disable-open-folder', 'accepted for compatibility; fleetctl never opens folders'))
    .addOption(boolOption('--native-tooling', 'accepted for compatibility; every package is always built natively', 'FLEETCTL_NATIVE_TOOLING'))
    .addOption(boolOption('--use-system-configuration', 'orbit reads the Fleet URL and enroll secret from a configuration profile (pkg only)', 'FLEETCTL_USE_SYSTEM_CONFIGURATION'))
    .addOption(boolOption('--enable-scripts', 'enable script execution', 'FLEETCTL_ENABLE_SCRIPTS'))
    .addOption(new Option('--host-identifier <id>', "host identifier osquery uses: 'uuid' or 'instance'").default('uuid').env('FLEETCTL_HOST_IDENTIFIER'))
    .addOption(new Option('--end-user-email <email>', 'end user email (msi, deb, rpm)').env('FLEETCTL_END_USER_EMAIL'))
    .addOption(boolOption('--disable-keystore', 'disable the use of the keystore (macOS)', 'FLEETCTL_DISABLE_KEYSTORE'))
    .addOption(new Option('--osquery-db <path>', 'custom osquery database directory (absolute path)').env('FLEETCTL_OSQUERY_DB'))
    .addOption(boolOption('--fleet-managed-host-identity-certificate', 'sign requests with a TPM-backed host identity certificate (deb, rpm)', 'FLEETCTL_FLEET_MANAGED_HOST_IDENTITY_CERTIFICATE'))
    .option('--compression <none|gzip>', 'rpm payload compression (default gzip, which every rpm-based distribution reads)')
    .option('--cpu-quota <percent>', 'systemd CPUQuota for orbit, in percent (deb, rpm; default 20)')
    // OpenPGP signing (deb, rpm); key text and passphrase from the environment, see src/signing/openpgp/signing-options.ts.
    .option(
      '--gpg-key <path>',
      'armored OpenPGP private key to sign with (deb: _gpgorigin, rpm: header signature); without it, the key text from FLEETCTL_GPG_KEY; passphrase from FLEETCTL_GPG_PASSPHRASE',
    );
  return addWindowsSigningFlags(cmd);
}

/**
 * Authenticode identity flags (msi), shared with `sign msi`. The .p12 passphrase is read from
 * FLEETCTL_WINDOWS_SIGN_PASSPHRASE only: a flag would show in the process list.
 */
export function addWindowsSigningFlags(cmd: Command): Command {
  return cmd
    .option('--windows-sign-cert <path>', 'code signing certificate (PEM, may include the chain) for Authenticode (msi)')
    .option('--windows-sign-key <path>', 'private key (unencrypted PEM) of --windows-sign-cert (msi)')
    .option('--windows-sign-p12 <path>', 'code signing identity as a .p12/.pfx file; passphrase from FLEETCTL_WINDOWS_SIGN_PASSPHRASE (msi)');
}
