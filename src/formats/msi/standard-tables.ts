/**
 * Schemas of the standard Windows Installer tables used by installers we build, in the column order and
 * with the types msi.dll expects (the same definitions WiX and wixl emit). These are Microsoft's, not
 * ours: the column names, order and types must match exactly, because the engine looks tables up by name
 * and reads cells by position.
 *
 * Spec: https://learn.microsoft.com/en-us/windows/win32/msi/database-tables (one page per table).
 */
import type { ColumnDef } from './column.js';
import type { TableDef } from './table.js';

function table(name: string, ...cols: [string, string, boolean?][]): TableDef {
  const columns: ColumnDef[] = cols.map(([n, type, key]) => (key === true ? { name: n, type, key } : { name: n, type }));
  return { name, columns };
}

const K = true;

export const Directory = table('Directory', ['Directory', 's72', K], ['Directory_Parent', 'S72'], ['DefaultDir', 'l255']);
export const Component = table(
  'Component',
  ['Component', 's72', K],
  ['ComponentId', 'S38'],
  ['Directory_', 's72'],
  ['Attributes', 'i2'],
  ['Condition', 'S255'],
  ['KeyPath', 'S72'],
);
export const File = table(
  'File',
  ['File', 's72', K],
  ['Component_', 's72'],
  ['FileName', 'l255'],
  ['FileSize', 'i4'],
  ['Version', 'S72'],
  ['Language', 'S20'],
  ['Attributes', 'I2'],
  ['Sequence', 'i4'],
);
export const Feature = table(
  'Feature',
  ['Feature', 's38', K],
  ['Feature_Parent', 'S38'],
  ['Title', 'L64'],
  ['Description', 'L255'],
  ['Display', 'I2'],
  ['Level', 'i2'],
  ['Directory_', 'S72'],
  ['Attributes', 'i2'],
);
export const FeatureComponents = table('FeatureComponents', ['Feature_', 's38', K], ['Component_', 's72', K]);
export const CreateFolder = table('CreateFolder', ['Directory_', 's72', K], ['Component_', 's72', K]);
export const Media = table(
  'Media',
  ['DiskId', 'i2', K],
  ['LastSequence', 'i4'],
  ['DiskPrompt', 'L64'],
  ['Cabinet', 'S255'],
  ['VolumeLabel', 'S32'],
  ['Source', 'S72'],
);
export const Property = table('Property', ['Property', 's72', K], ['Value', 'l0']);
export const Registry = table(
  'Registry',
  ['Registry', 's72', K],
  ['Root', 'i2'],
  ['Key', 'l255'],
  ['Name', 'L255'],
  ['Value', 'L0'],
  ['Component_', 's72'],
);
export const RemoveFile = table(
  'RemoveFile',
  ['FileKey', 's72', K],
  ['Component_', 's72'],
  ['FileName', 'L255'],
  ['DirProperty', 's72'],
  ['InstallMode', 'i2'],
);
export const ServiceInstall = table(
  'ServiceInstall',
  ['ServiceInstall', 's72', K],
  ['Name', 's255'],
  ['DisplayName', 'L255'],
  ['ServiceType', 'i4'],
  ['StartType', 'i4'],
  ['ErrorControl', 'i4'],
  ['LoadOrderGroup', 'S255'],
  ['Dependencies', 'S255'],
  ['StartName', 'S255'],
  ['Password', 'S255'],
  ['Arguments', 'S255'],
  ['Component_', 's72'],
  ['Description', 'L255'],
);
export const ServiceControl = table(
  'ServiceControl',
  ['ServiceControl', 's72', K],
  ['Name', 'l255'],
  ['Event', 'i2'],
  ['Arguments', 'L255'],
  ['Wait', 'I2'],
  ['Component_', 's72'],
);
/** Windows Installer 5.0: service recovery settings applied by the MsiConfigureServices action. */
export const MsiServiceConfigFailureActions = table(
  'MsiServiceConfigFailureActions',
  ['MsiServiceConfigFailureActions', 's72', K],
  ['Name', 's255'],
  ['Event', 'i2'],
  ['ResetPeriod', 'I4'],
  ['RebootMessage', 'L255'],
  ['Command', 'L255'],
  ['Actions', 'S255'],
  ['DelayActions', 'S255'],
  ['Component_', 's72'],
);
/** Windows Installer 5.0: SDDL security descriptors for files, folders, registry keys and services. */
export const MsiLockPermissionsEx = table(
  'MsiLockPermissionsEx',
  ['MsiLockPermissionsEx', 's72', K],
  ['LockObject', 's72'],
  ['Table', 's32'],
  ['SDDL', 's0'],
  ['Condition', 'S255'],
);
export const Upgrade = table(
  'Upgrade',
  ['UpgradeCode', 's38', K],
  ['VersionMin', 'S20', K],
  ['VersionMax', 'S20', K],
  ['Language', 'S255', K],
  ['Attributes', 'i4', K],
  ['Remove', 'S255'],
  ['ActionProperty', 's72'],
);
export const CustomAction = table(
  'CustomAction',
  ['Action', 's72', K],
  ['Type', 'i2'],
  ['Source', 'S72'],
  ['Target', 'S255'],
  ['ExtendedType', 'I4'],
);
export const LaunchCondition = table('LaunchCondition', ['Condition', 's255', K], ['Description', 'l255']);

function sequence(name: string): TableDef {
  return table(name, ['Action', 's72', K], ['Condition', 'S255'], ['Sequence', 'I2']);
}

export const InstallExecuteSequence = sequence('InstallExecuteSequence');
export const InstallUISequence = sequence('InstallUISequence');
export const AdminExecuteSequence = sequence('AdminExecuteSequence');
export const AdminUISequence = sequence('AdminUISequence');
export const AdvtExecuteSequence = sequence('AdvtExecuteSequence');
