/**
 * The contract between the shared `package` pipeline and the per-type packagers.
 *
 * The pipeline validates flags into `PackageOptions`, fetches and verifies the TUF targets, builds the
 * orbit root (the files every installer type ships under /opt/orbit or C:\Program Files\Orbit), and then
 * hands a `BuildContext` to the packager of the requested type, which adds its own files (service
 * definitions, scripts, metadata) and writes the installer to `ctx.outPath`.
 */
import type { ArchiveEntry } from '../formats/entry.js';
import type { ContentCache } from '../formats/content-cache.js';
import type { MacosSigningOptions, NotarizeOptions } from './pkg/sign-options.js';
import type { WindowsSigningOptions } from './msi/sign-options.js';
import type { GpgSigningOptions } from '../signing/openpgp/signing-options.js';

export const PACKAGE_TYPES = ['deb', 'rpm', 'pkg', 'msi'] as const;
export type PackageType = (typeof PACKAGE_TYPES)[number];
export type Arch = 'amd64' | 'arm64';

/** Validated options of `fleetctl package` (flag names in comments). */
export interface PackageOptions {
  readonly type: PackageType;
  readonly arch: Arch; // --arch
  readonly fleetUrl: string; // --fleet-url ('' when not given)
  readonly enrollSecret: string; // --enroll-secret ('' when not given); never log it
  readonly fleetCertificate?: string; // --fleet-certificate (path)
  readonly fleetTlsClientCertificate?: string; // path
  readonly fleetTlsClientKey?: string; // path
  readonly fleetDesktopAlternativeBrowserHost: string;
  readonly identifier: string; // --identifier (pkg only), default com.fleetdm.orbit
  readonly insecure: boolean;
  readonly service: boolean; // default true
  readonly orbitChannel: string;
  readonly osquerydChannel: string;
  readonly desktopChannel: string;
  readonly disableUpdates: boolean;
  readonly disableSetupExperience: boolean;
  readonly bypassEndUserAuth: boolean;
  readonly updateUrl: string;
  readonly updateRoots?: string; // root.json text
  readonly updateTlsCertificate?: string; // path
  readonly updateTlsClientCertificate?: string; // path
  readonly updateTlsClientKey?: string; // path
  readonly osqueryFlagfile?: string; // path
  readonly debug: boolean; // orbit debug logging (ORBIT_DEBUG)
  readonly fleetDesktop: boolean;
  /** Go duration string as orbit expects it, e.g. `15m0s`. */
  readonly updateInterval: string;
  readonly useSystemConfiguration: boolean;
  readonly enableScripts: boolean;
  readonly hostIdentifier: 'uuid' | 'instance';
  readonly endUserEmail: string;
  readonly disableKeystore: boolean;
  readonly osqueryDb: string;
  readonly outfile?: string;
  readonly fleetManagedHostIdentityCertificate: boolean;
  /** systemd CPUQuota percentage (deb/rpm). */
  readonly cpuQuota: number;
  /** rpm payload compression (--compression); undefined = the packager's default (gzip). */
  readonly payloadCompression?: 'none' | 'gzip';
  /** pkg signing: Developer ID Installer identity (--macos-devid-pem-content/-pem/-p12) and --timestamp-url. */
  readonly macosSigning?: MacosSigningOptions;
  /** pkg notarization and stapling (--notarize with the App Store Connect API key flags). */
  readonly notarize?: NotarizeOptions;
  /** deb/rpm OpenPGP signing: armored private key (--gpg-key FILE or FLEETCTL_GPG_KEY) and FLEETCTL_GPG_PASSPHRASE. */
  readonly gpgSigning?: GpgSigningOptions;
  /** msi Authenticode signing: --windows-sign-cert/--windows-sign-key or --windows-sign-p12, and --timestamp-url (repeatable). */
  readonly windowsSigning?: WindowsSigningOptions;
  /** Timestamp for every archive entry, seconds (SOURCE_DATE_EPOCH or now). */
  readonly mtime: number;
}

export type TargetName = 'orbit' | 'osqueryd' | 'desktop';

/** A TUF target placed in the orbit root. */
export interface StagedTarget {
  readonly name: TargetName;
  /** TUF platform segment, e.g. `linux`, `linux-arm64`, `macos`, `macos-app`, `windows`. */
  readonly platform: string;
  readonly channel: string;
  /** Path relative to the orbit root, e.g. `bin/orbit/linux/stable/orbit`. */
  readonly relPath: string;
  /** `custom.version` from targets.json. */
  readonly version: string;
  /** Executable path relative to the orbit root (differs from relPath for extracted `.tar.gz` targets). */
  readonly execPath: string;
}

export interface StagedTargets {
  readonly orbit: StagedTarget;
  readonly osqueryd: StagedTarget;
  readonly desktop?: StagedTarget;
}

/** Progress stages a packager may report (shown by the CLI, the sandbox and the Packager service). */
export type BuildStage = 'staging' | 'compressing' | 'writing' | 'signing' | 'notarizing';

export interface BuildContext {
  readonly options: PackageOptions;
  /** Package version: the orbit target's `custom.version`. */
  readonly version: string;
  /**
   * Entries relative to the orbit root (`bin/orbit/linux/stable/orbit`, `certs.pem`, `secret.txt`, ...),
   * including every parent directory, owned by uid/gid 0 with the modes Fleet uses. Packagers re-root
   * them (`opt/orbit/...` for Linux and macOS, the install dir for Windows) and may change ownership
   * (macOS payloads are 0:80).
   */
  readonly orbitRoot: readonly ArchiveEntry[];
  readonly targets: StagedTargets;
  /** Where to write the installer. The caller renames it into place on success and deletes it on failure. */
  readonly outPath: string;
  /** A scratch directory the packager may use; removed by the caller. */
  readonly tmpDir: string;
  readonly report: (stage: BuildStage, detail?: string) => void;
  /**
   * Set when many installers are built from the same inputs (sandbox provision, the Packager service):
   * packagers compress and hash each large input file once and reuse the result.
   */
  readonly cache?: ContentCache;
}

export interface Packager {
  readonly type: PackageType;
  /** One-line description for `--help`. */
  readonly description: string;
  /** TUF platform for orbit/osqueryd of this type and arch (`linux`, `linux-arm64`, `macos`, `windows`, ...). */
  readonly tufPlatform: (arch: Arch) => string;
  /** Default output file name (Fleet's naming). */
  fileName(version: string, options: PackageOptions): string;
  build(ctx: BuildContext): Promise<void>;
}
