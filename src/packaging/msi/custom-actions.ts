/**
 * Custom actions of the Fleet MSI, built only from custom-action types Windows Installer itself
 * implements.
 *
 * Fleet's WiX installer runs five PowerShell steps through `WixQuietExec64` from WiX's `WixCA.dll` and
 * sets service recovery through WixUtil's `ServiceConfig` (the same DLL). We do not ship that DLL: it is a
 * third-party binary (MS-RL) that would have to be embedded verbatim, per architecture, and it exists
 * only to run the commands quietly. What those steps achieve can be had without it:
 *
 * | Fleet step | here |
 * |---|---|
 * | CA_UpdateSecret: `installer_utils.ps1 -updateSecret "[FLEET_SECRET]"` | `FleetSetSecretData` (type 51, sets the deferred action's CustomActionData to `<path>|<secret>`) + `FleetWriteSecret` (type 37: inline JScript, deferred, as LocalSystem, target hidden) writes the property's value into secret.txt. The payload's secret.txt is installed first with its SYSTEM/Administrators-only SDDL; overwriting keeps that DACL. The secret travels in a property, not a command line, so any characters work and nothing is visible in the process list; FLEET_SECRET and the action are listed in MsiHiddenProperties so the log does not show it. |
 * | CA_RemoveOrbit (full uninstall): stop processes, delete the service, remove Program Files\Orbit | ServiceControl stops and deletes the service; `FleetStopAgent` (type 34: `taskkill /F` on orbit, osqueryd, fleet-desktop) ends leftovers; `FleetRemoveInstallDir` (type 34: `cmd /c rd /s /q`) removes the install folder with orbit's runtime state after RemoveFiles. Both only when `REMOVE="ALL" AND NOT UPGRADINGPRODUCTCODE`, so an upgrade keeps the host's enrollment. |
 * | CA_WaitOrbit + CA_RemoveRebootPending (fresh install/upgrade): wait for orbit, delete `bin` | `FleetStopAgent` + `FleetRemoveBin` (`rd /s /q "[ORBITBIN]"`) before the folders and files are created, when `NOT Installed`. |
 * | util:ServiceConfig restart ×3, reset 1 day, delay 1 s | the built-in MsiServiceConfigFailureActions table (Windows Installer 5.0, action MsiConfigureServices). |
 * | CA_UninstallOsquery (remove a stand-alone osquery MSI) | not done: it only migrates hosts from a stand-alone osquery MSI, and needs registry scans no built-in action offers. |
 *
 * All cleanup actions are deferred, run as LocalSystem (no impersonation) and ignore their exit code,
 * as Fleet's did; secret writing is checked, as Fleet's was. Type 34 needs a working directory: TARGETDIR,
 * so the folders being deleted are never a process's current directory.
 *
 * Type numbers: https://learn.microsoft.com/en-us/windows/win32/msi/summary-list-of-all-custom-action-types
 */
import type { Row } from '../../formats/msi/table.js';

const TYPE_EXE_IN_DIRECTORY = 34;
const TYPE_JSCRIPT_INLINE = 37;
const TYPE_SET_PROPERTY = 51;
const CONTINUE_ON_RETURN = 64; // msidbCustomActionTypeContinue: ignore the exit code
const IN_SCRIPT = 1024; // deferred
const NO_IMPERSONATE = 2048; // run as LocalSystem
const HIDE_TARGET = 8192; // keep Target / CustomActionData out of the log

export const SECRET_ACTION = 'FleetWriteSecret';

const FULL_UNINSTALL = 'REMOVE="ALL" AND NOT UPGRADINGPRODUCTCODE';
const FRESH_INSTALL = 'NOT Installed';
const SECRET_GIVEN = 'NOT Installed AND FLEET_SECRET AND FLEET_SECRET <> "dummy"';

/**
 * Writes everything after the first `|` of CustomActionData to the path before it (paths cannot contain
 * `|`). ANSI text without BOM or newline, as orbit reads it.
 */
const WRITE_SECRET_JS =
  'var d=Session.Property("CustomActionData");var i=d.indexOf("|");' +
  'var f=new ActiveXObject("Scripting.FileSystemObject").CreateTextFile(d.substring(0,i),true,false);' +
  'f.Write(d.substring(i+1));f.Close();';

const CMD = '"[System64Folder]cmd.exe" /d /q /c';

export function customActionRows(): Row[] {
  const cleanup = TYPE_EXE_IN_DIRECTORY + CONTINUE_ON_RETURN + IN_SCRIPT + NO_IMPERSONATE;
  return [
    {
      Action: 'FleetStopAgent',
      Type: cleanup,
      Source: 'TARGETDIR',
      Target: '"[System64Folder]taskkill.exe" /F /IM orbit.exe /IM osqueryd.exe /IM fleet-desktop.exe',
    },
    { Action: 'FleetRemoveInstallDir', Type: cleanup, Source: 'TARGETDIR', Target: `${CMD} rd /s /q "[ORBITROOT]"` },
    { Action: 'FleetRemoveBin', Type: cleanup, Source: 'TARGETDIR', Target: `${CMD} rd /s /q "[ORBITBIN]"` },
    { Action: 'FleetSetSecretData', Type: TYPE_SET_PROPERTY, Source: SECRET_ACTION, Target: '[ORBITROOT]secret.txt|[FLEET_SECRET]' },
    { Action: SECRET_ACTION, Type: TYPE_JSCRIPT_INLINE + IN_SCRIPT + NO_IMPERSONATE + HIDE_TARGET, Target: WRITE_SECRET_JS },
  ];
}

/** InstallExecuteSequence rows for the custom actions (standard actions are in `sequences.ts`). */
export function customActionSequence(): Row[] {
  return [
    // After StopServices (1900) / DeleteServices (2000), before files are removed or created.
    { Action: 'FleetStopAgent', Condition: `(${FULL_UNINSTALL}) OR (${FRESH_INSTALL})`, Sequence: 2001 },
    // After RemoveFiles (3500) and RemoveFolders (3600).
    { Action: 'FleetRemoveInstallDir', Condition: FULL_UNINSTALL, Sequence: 3601 },
    // Before CreateFolders (3700), so bin\orbit is recreated with its permissions afterwards.
    { Action: 'FleetRemoveBin', Condition: FRESH_INSTALL, Sequence: 3602 },
    // After InstallFiles (4000) put secret.txt in place, before the service is installed (5800).
    { Action: 'FleetSetSecretData', Condition: SECRET_GIVEN, Sequence: 5798 },
    { Action: SECRET_ACTION, Condition: SECRET_GIVEN, Sequence: 5799 },
  ];
}
