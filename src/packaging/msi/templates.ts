/**
 * Text files the MSI adds to the orbit root, rendered from `templates/msi/`.
 *
 * `osquery.man` is the Windows Event Log instrumentation manifest for osquery's `FleetDM` provider
 * (channel `osquery`, events 1-5). Its resource/message file is the installed osqueryd.exe; Fleet
 * hard-codes `bin\osqueryd\windows\<channel>` even on arm64, where the target lives under
 * `windows-arm64`, so we take the path from the staged target instead.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATES_DIR } from '../../core/template.js';

export function renderOsqueryManifest(osquerydRelPath: string): Buffer {
  const winPath = `%systemdrive%\\Program Files\\Orbit\\${osquerydRelPath.split('/').join('\\')}`;
  const text = readFileSync(join(TEMPLATES_DIR, 'msi', 'osquery.man'), 'utf8').replaceAll(
    '{{OSQUERYD_PATH}}',
    winPath.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;'),
  );
  return Buffer.from(text, 'utf8');
}
