/**
 * The rows of the Fleet MSI database: the equivalent of Fleet's WiX template (product, properties,
 * directories, components, files, service, registry environment, permissions, major upgrade) plus the
 * sequences and custom actions, inserted into an `MsiDatabase`.
 */
import { MsiDatabase } from '../../formats/msi/database.js';
import type { Row } from '../../formats/msi/table.js';
import * as T from '../../formats/msi/standard-tables.js';
import type { PackageOptions } from '../types.js';
import { customActionRows, customActionSequence, SECRET_ACTION } from './custom-actions.js';
import { multiString, SERVICE_KEY, SERVICE_NAME } from './environment.js';
import { SDDL_DEFAULT, UPGRADE_CODE, type MsiLayout } from './layout.js';
import { adminExecute, adminUI, advtExecute, installExecute, installUI } from './sequences.js';

export const PRODUCT_NAME = 'Fleet osquery';
export const MANUFACTURER = 'Fleet Device Management (fleetdm.com)';
export const CABINET = 'orbit.cab';
const FEATURE = 'Orbit';
const SERVICE_DESCRIPTION = "This service runs Fleet's osquery runtime and autoupdater (Orbit).";

export interface DatabaseInput {
  readonly options: PackageOptions;
  readonly layout: MsiLayout;
  readonly productCode: string;
  /** ProductVersion, `a.b.c[.d]`. */
  readonly version: string;
  readonly environment: readonly string[];
  readonly endUserEmailProperty: boolean;
  readonly euaTokenProperty: boolean;
}

const bool = (b: boolean): string => (b ? 'True' : 'False');

/** Public properties a base MSI can be customised with on the msiexec command line. */
export const PUBLIC_PROPERTIES = [
  'FLEET_URL',
  'FLEET_SECRET',
  'FLEET_DESKTOP',
  'ENABLE_SCRIPTS',
  'END_USER_EMAIL',
  'EUA_TOKEN',
  'BYPASS_END_USER_AUTH',
];

export function buildDatabase(input: DatabaseInput): MsiDatabase {
  const { options: o, layout } = input;
  const db = new MsiDatabase();

  // Properties. Empty values are never stored (an empty string is null in MSI).
  const props: [string, string][] = [
    ['ALLUSERS', '1'],
    ['Manufacturer', MANUFACTURER],
    ['ProductCode', input.productCode],
    ['ProductLanguage', '1033'],
    ['ProductName', PRODUCT_NAME],
    ['ProductVersion', input.version],
    ['UpgradeCode', UPGRADE_CODE],
    ['REINSTALLMODE', 'amus'],
    ['ARPNOREPAIR', 'yes'],
    ['ARPNOMODIFY', 'yes'],
    ['ARPURLINFOABOUT', 'https://fleetdm.com'],
    ['FLEET_URL', o.fleetUrl],
    ['FLEET_SECRET', 'dummy'],
    ['FLEET_DESKTOP', bool(o.fleetDesktop)],
    ['ENABLE_SCRIPTS', bool(o.enableScripts)],
    ['BYPASS_END_USER_AUTH', bool(o.bypassEndUserAuth)],
    ['MsiHiddenProperties', `FLEET_SECRET;${SECRET_ACTION}`],
  ];
  if (input.endUserEmailProperty) {
    props.push(['END_USER_EMAIL', o.endUserEmail !== '' ? o.endUserEmail : 'dummy']);
  }
  if (input.euaTokenProperty) {
    props.push(['EUA_TOKEN', 'dummy']);
  }
  // Every property the command line may set must be "secure" to reach the elevated server side of a
  // per-machine install, as must the Upgrade table's action property.
  props.push(['SecureCustomProperties', ['WIX_UPGRADE_DETECTED', ...PUBLIC_PROPERTIES, 'ARPNOREPAIR', 'ARPNOMODIFY'].join(';')]);
  db.insertAll(
    T.Property,
    props.filter(([, v]) => v !== '').map(([Property, Value]) => ({ Property, Value })),
  );

  db.insertAll(T.Upgrade, [
    // WiX MajorUpgrade AllowDowngrades="yes": every version ≥ 0 (inclusive) is removed, migrating features.
    {
      UpgradeCode: UPGRADE_CODE,
      VersionMin: '0',
      VersionMax: null,
      Language: null,
      Attributes: 257,
      Remove: null,
      ActionProperty: 'WIX_UPGRADE_DETECTED',
    },
  ]);

  db.insertAll(T.Directory, [
    { Directory: 'TARGETDIR', Directory_Parent: null, DefaultDir: 'SourceDir' },
    { Directory: 'ProgramFiles64Folder', Directory_Parent: 'TARGETDIR', DefaultDir: '.' },
    ...layout.directories.map((d) => ({ Directory: d.key, Directory_Parent: d.parent, DefaultDir: d.defaultDir })),
  ]);

  const COMPONENT_64BIT = 256;
  db.insertAll(
    T.Component,
    layout.components.map((c) => ({
      Component: c.key,
      ComponentId: c.guid,
      Directory_: c.directory,
      Attributes: COMPONENT_64BIT,
      Condition: null,
      KeyPath: c.keyPath,
    })),
  );
  db.insertAll(
    T.CreateFolder,
    layout.components.filter((c) => c.createFolder).map((c) => ({ Directory_: c.directory, Component_: c.key })),
  );
  db.insertAll(
    T.FeatureComponents,
    layout.components.map((c) => ({ Feature_: FEATURE, Component_: c.key })),
  );
  db.insert(T.Feature, {
    Feature: FEATURE,
    Feature_Parent: null,
    Title: PRODUCT_NAME,
    Description: null,
    Display: 0,
    Level: 1,
    Directory_: null,
    Attributes: 0,
  });

  const FILE_VITAL = 512;
  db.insertAll(
    T.File,
    layout.files.map((f, i) => ({
      File: f.key,
      Component_: f.component,
      FileName: f.fileName,
      FileSize: f.entry.size,
      Version: null,
      Language: null,
      Attributes: FILE_VITAL,
      Sequence: i + 1,
    })),
  );
  db.insert(T.Media, {
    DiskId: 1,
    LastSequence: layout.files.length,
    DiskPrompt: null,
    Cabinet: `#${CABINET}`,
    VolumeLabel: null,
    Source: null,
  });

  // Permissions (WiX PermissionEx → MsiLockPermissionsEx): the two authored folders and every file.
  const locks: Row[] = [
    { MsiLockPermissionsEx: 'LockORBITROOT', LockObject: 'ORBITROOT', Table: 'CreateFolder', SDDL: SDDL_DEFAULT, Condition: null },
    { MsiLockPermissionsEx: 'LockORBITBINORBIT', LockObject: 'ORBITBINORBIT', Table: 'CreateFolder', SDDL: SDDL_DEFAULT, Condition: null },
    ...layout.files.map((f, i) => ({
      MsiLockPermissionsEx: f.key.length <= 67 ? `Lock_${f.key}` : `Lock_${i + 1}`,
      LockObject: f.key,
      Table: 'File',
      SDDL: f.sddl,
      Condition: null,
    })),
  ];
  db.insertAll(T.MsiLockPermissionsEx, locks);

  // The service runs the component's KeyPath file, bin\orbit\orbit.exe, configured via its Environment.
  db.insert(T.ServiceInstall, {
    ServiceInstall: 'OrbitService',
    Name: SERVICE_NAME,
    DisplayName: SERVICE_NAME,
    ServiceType: 0x10, // SERVICE_WIN32_OWN_PROCESS
    StartType: 2, // SERVICE_AUTO_START
    ErrorControl: 0, // SERVICE_ERROR_IGNORE, as Fleet
    StartName: 'LocalSystem',
    Component_: 'C_ORBITBIN',
    Description: SERVICE_DESCRIPTION,
  });
  db.insert(T.ServiceControl, {
    ServiceControl: 'StartOrbitService',
    Name: SERVICE_NAME,
    // start on install (1), stop on install (2) and uninstall (0x20), delete on uninstall (0x80)
    Event: 0x01 | 0x02 | 0x20 | 0x80,
    Wait: 1,
    Component_: 'C_ORBITBIN',
  });
  db.insert(T.MsiServiceConfigFailureActions, {
    MsiServiceConfigFailureActions: 'OrbitServiceRecovery',
    Name: SERVICE_NAME,
    Event: 1, // apply on install
    ResetPeriod: 86_400, // seconds: reset the failure count after one day
    Actions: '1[~]1[~]1', // SC_ACTION_RESTART three times
    DelayActions: '1000[~]1000[~]1000', // milliseconds
    Component_: 'C_ORBITBIN',
  });
  db.insert(T.Registry, {
    Registry: 'OrbitServiceEnvironment',
    Root: 2, // HKLM
    Key: SERVICE_KEY,
    Name: 'Environment',
    Value: multiString(input.environment),
    Component_: 'C_ORBITBIN',
  });

  db.insertAll(T.CustomAction, customActionRows());
  db.insertAll(T.InstallExecuteSequence, [...installExecute(), ...customActionSequence()]);
  db.insertAll(T.InstallUISequence, installUI());
  db.insertAll(T.AdminExecuteSequence, adminExecute());
  db.insertAll(T.AdminUISequence, adminUI());
  db.insertAll(T.AdvtExecuteSequence, advtExecute());
  return db;
}
