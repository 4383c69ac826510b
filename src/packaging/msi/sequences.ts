/**
 * The standard action sequences of the Fleet MSI, with the numbers WiX (and wixl) use. Notable choices:
 * RemoveExistingProducts at 1401 (right after InstallValidate) uninstalls the previous version completely
 * before anything new is installed (WiX's MajorUpgrade default schedule, as in Fleet's installer), and
 * MsiConfigureServices (Windows Installer 5.0) applies the service recovery settings between
 * InstallServices and StartServices. Service actions are conditioned on VersionNT like WiX does.
 *
 * Spec: https://learn.microsoft.com/en-us/windows/win32/msi/suggested-installexecutesequence
 */
import type { Row } from '../../formats/msi/table.js';

type Seq = [string, number, string?];

const rows = (list: Seq[]): Row[] => list.map(([Action, Sequence, Condition]) => ({ Action, Sequence, Condition: Condition ?? null }));

export const installExecute = (): Row[] =>
  rows([
    ['FindRelatedProducts', 25],
    ['ValidateProductID', 700],
    ['CostInitialize', 800],
    ['FileCost', 900],
    ['CostFinalize', 1000],
    ['MigrateFeatureStates', 1200],
    ['InstallValidate', 1400],
    ['RemoveExistingProducts', 1401],
    ['InstallInitialize', 1500],
    ['ProcessComponents', 1600],
    ['UnpublishFeatures', 1800],
    ['StopServices', 1900, 'VersionNT'],
    ['DeleteServices', 2000, 'VersionNT'],
    ['RemoveRegistryValues', 2600],
    ['RemoveFiles', 3500],
    ['RemoveFolders', 3600],
    ['CreateFolders', 3700],
    ['InstallFiles', 4000],
    ['WriteRegistryValues', 5000],
    ['InstallServices', 5800, 'VersionNT'],
    ['MsiConfigureServices', 5850, 'VersionNT'],
    ['StartServices', 5900, 'VersionNT'],
    ['RegisterUser', 6000],
    ['RegisterProduct', 6100],
    ['PublishFeatures', 6300],
    ['PublishProduct', 6400],
    ['InstallFinalize', 6600],
  ]);

export const installUI = (): Row[] =>
  rows([
    ['FindRelatedProducts', 25],
    ['ValidateProductID', 700],
    ['CostInitialize', 800],
    ['FileCost', 900],
    ['CostFinalize', 1000],
    ['MigrateFeatureStates', 1200],
    ['ExecuteAction', 1300],
  ]);

export const adminExecute = (): Row[] =>
  rows([
    ['CostInitialize', 800],
    ['FileCost', 900],
    ['CostFinalize', 1000],
    ['InstallValidate', 1400],
    ['InstallInitialize', 1500],
    ['InstallAdminPackage', 3900],
    ['InstallFiles', 4000],
    ['InstallFinalize', 6600],
  ]);

export const adminUI = (): Row[] =>
  rows([
    ['CostInitialize', 800],
    ['FileCost', 900],
    ['CostFinalize', 1000],
    ['ExecuteAction', 1300],
  ]);

export const advtExecute = (): Row[] =>
  rows([
    ['CostInitialize', 800],
    ['CostFinalize', 1000],
    ['InstallValidate', 1400],
    ['InstallInitialize', 1500],
    ['PublishFeatures', 6300],
    ['PublishProduct', 6400],
    ['InstallFinalize', 6600],
  ]);
