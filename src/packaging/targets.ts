/**
 * Which TUF targets an installer ships, per platform (reference: fleetctl-package §2.2, tuf §1.3).
 * `archiveExec` is the executable inside a `.tar.gz` target once extracted.
 */
import type { TargetName } from './types.js';

export interface TargetSpec {
  readonly name: TargetName;
  readonly platform: string;
  readonly file: string;
  readonly archiveExec?: string;
}

export function targetSpecs(tufPlatform: string, withDesktop: boolean): TargetSpec[] {
  let specs: TargetSpec[];
  if (tufPlatform === 'macos') {
    specs = [
      { name: 'orbit', platform: 'macos', file: 'orbit' },
      { name: 'osqueryd', platform: 'macos-app', file: 'osqueryd.app.tar.gz', archiveExec: 'osquery.app/Contents/MacOS/osqueryd' },
      { name: 'desktop', platform: 'macos', file: 'desktop.app.tar.gz', archiveExec: 'Fleet Desktop.app/Contents/MacOS/fleet-desktop' },
    ];
  } else if (tufPlatform.startsWith('windows')) {
    specs = [
      { name: 'orbit', platform: tufPlatform, file: 'orbit.exe' },
      { name: 'osqueryd', platform: tufPlatform, file: 'osqueryd.exe' },
      { name: 'desktop', platform: tufPlatform, file: 'fleet-desktop.exe' },
    ];
  } else {
    specs = [
      { name: 'orbit', platform: tufPlatform, file: 'orbit' },
      { name: 'osqueryd', platform: tufPlatform, file: 'osqueryd' },
      { name: 'desktop', platform: tufPlatform, file: 'desktop.tar.gz', archiveExec: 'fleet-desktop/fleet-desktop' },
    ];
  }
  return withDesktop ? specs : specs.filter((s) => s.name !== 'desktop');
}
