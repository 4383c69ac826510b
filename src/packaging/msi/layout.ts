/**
 * The install layout of the Fleet MSI: the orbit root (TUF targets, certificates, metadata, secret,
 * flags) re-rooted at `C:\Program Files\Orbit` (directory key ORBITROOT), plus what the MSI adds itself:
 * the event-log manifest `osquery.man`, `secret.txt` when the pipeline did not stage one, and the service
 * binary `bin\orbit\orbit.exe`, a second copy of the orbit target that the service runs (orbit's updater
 * keeps it current). The copy shares the target's cabinet folder, so its bytes are stored once.
 *
 * One component per file (heat's `-gg -g1` layout, the file as KeyPath), except the service binary, which
 * lives in Fleet's C_ORBITBIN component together with the service, its registry environment and the
 * bin\orbit folder; C_ORBITROOT creates the install folder with its permissions. Directories that stay
 * empty (e.g. `staging`) get a CreateFolder component so they exist after install.
 */
import type { ArchiveEntry } from '../../formats/entry.js';
import { IdAllocator, msiFileName } from './names.js';
import { nameGuid } from './guid.js';

export const UPGRADE_CODE = '{B681CB20-107E-428A-9B14-2D3C1AFED244}';
/** Fleet's fixed component GUIDs for the install folder and the service component. */
export const C_ORBITROOT = { key: 'C_ORBITROOT', guid: '{A7DFD09E-2D2B-4535-A04F-5D4DE90F3863}' };
export const C_ORBITBIN = { key: 'C_ORBITBIN', guid: '{AF347B4E-B84B-4DD4-9C4D-133BE17B613D}' };
export const SERVICE_EXE_PATH = 'bin/orbit/orbit.exe';

/** SYSTEM and Administrators full control, Users read/execute, inheritance blocked (Fleet's SDDL). */
export const SDDL_DEFAULT = 'O:SYG:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)';
/** secret.txt: SYSTEM and Administrators only. */
export const SDDL_SECRET = 'O:SYG:SYD:PAI(A;;FA;;;SY)(A;;FA;;;BA)';

export interface MsiDirectory {
  readonly key: string;
  readonly parent: string;
  /** DefaultDir value (`name` or `short|long`). */
  readonly defaultDir: string;
  readonly relPath: string;
}

export interface MsiFileItem {
  readonly key: string;
  readonly component: string;
  readonly directory: string;
  /** FileName value (`name` or `short|long`). */
  readonly fileName: string;
  readonly relPath: string;
  readonly entry: ArchiveEntry;
  /** Key of an earlier file with the same bytes (shares its cabinet folder). */
  readonly sameAs?: string;
  readonly sddl: string;
}

export interface MsiComponentItem {
  readonly key: string;
  readonly guid: string;
  readonly directory: string;
  readonly keyPath: string | null;
  /** Emit a CreateFolder row for `directory`. */
  readonly createFolder: boolean;
}

export interface MsiLayout {
  readonly directories: readonly MsiDirectory[];
  /** In File.Sequence (= cabinet) order. */
  readonly files: readonly MsiFileItem[];
  readonly components: readonly MsiComponentItem[];
  /** Directory key of a relative directory path ('' = ORBITROOT). */
  readonly dirKey: (relPath: string) => string;
}

const FIXED_DIRS: Record<string, string> = { '': 'ORBITROOT', bin: 'ORBITBIN', 'bin/orbit': 'ORBITBINORBIT' };

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/**
 * Builds the layout from the orbit-root entries (already including generated files) and the relative
 * path of the orbit target whose bytes become the service binary.
 */
export function buildLayout(entries: readonly ArchiveEntry[], orbitTargetPath: string): MsiLayout {
  const ids = new IdAllocator();
  for (const id of ['TARGETDIR', 'ProgramFiles64Folder', ...Object.values(FIXED_DIRS)]) {
    ids.reserve(id);
  }
  const byPath = new Map<string, ArchiveEntry>();
  for (const e of entries) {
    const p = e.path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    if (p === '' || p.split('/').some((s) => s === '..' || s === '.')) {
      throw new RangeError(`bad orbit-root path ${JSON.stringify(e.path)}`);
    }
    if (e.type === 'symlink') {
      throw new RangeError(`symbolic links cannot be installed by an MSI: ${e.path}`);
    }
    if (byPath.has(p)) {
      throw new RangeError(`duplicate orbit-root path ${p}`);
    }
    byPath.set(p, { ...e, path: p });
  }
  const orbitTarget = byPath.get(orbitTargetPath);
  if (orbitTarget === undefined || orbitTarget.type !== 'file') {
    throw new RangeError(`orbit target ${orbitTargetPath} is not in the orbit root`);
  }
  if (byPath.has(SERVICE_EXE_PATH)) {
    throw new RangeError(`${SERVICE_EXE_PATH} is reserved for the service binary`);
  }

  // Every directory: explicit ones plus all parents of files; bytewise order for stable keys.
  const dirPaths = new Set<string>(['', 'bin', 'bin/orbit']);
  for (const [p, e] of byPath) {
    if (e.type === 'dir') {
      dirPaths.add(p);
    }
    for (let d = parentOf(p); d !== ''; d = parentOf(d)) {
      dirPaths.add(d);
    }
  }
  const sortedDirs = [...dirPaths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const dirKeys = new Map<string, string>();
  const directories: MsiDirectory[] = [];
  for (const d of sortedDirs) {
    const key = FIXED_DIRS[d] ?? ids.derive('D_', d);
    dirKeys.set(d, key);
    if (d === '') {
      directories.push({ key, parent: 'ProgramFiles64Folder', defaultDir: 'Orbit', relPath: d });
    } else {
      const parent = dirKeys.get(parentOf(d))!;
      directories.push({ key, parent, defaultDir: msiFileName(baseName(d), parent), relPath: d });
    }
  }
  const dirKey = (rel: string): string => {
    const k = dirKeys.get(rel);
    if (k === undefined) {
      throw new RangeError(`no directory ${rel}`);
    }
    return k;
  };

  const files: MsiFileItem[] = [];
  const components: MsiComponentItem[] = [
    { key: C_ORBITROOT.key, guid: C_ORBITROOT.guid, directory: 'ORBITROOT', keyPath: null, createFolder: true },
  ];
  const fileEntries = [...byPath.values()]
    .filter((e) => e.type === 'file')
    .sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  for (const e of fileEntries) {
    const key = ids.derive('F_', e.path);
    const component = ids.derive('C_', e.path);
    const directory = dirKey(parentOf(e.path));
    components.push({ key: component, guid: nameGuid(UPGRADE_CODE, e.path.toLowerCase()), directory, keyPath: key, createFolder: false });
    files.push({
      key,
      component,
      directory,
      fileName: msiFileName(baseName(e.path), directory),
      relPath: e.path,
      entry: e,
      sddl: e.path === 'secret.txt' ? SDDL_SECRET : SDDL_DEFAULT,
    });
    if (e.path === orbitTargetPath) {
      const svcKey = ids.derive('F_', SERVICE_EXE_PATH);
      components.push({ key: C_ORBITBIN.key, guid: C_ORBITBIN.guid, directory: 'ORBITBINORBIT', keyPath: svcKey, createFolder: true });
      files.push({
        key: svcKey,
        component: C_ORBITBIN.key,
        directory: 'ORBITBINORBIT',
        fileName: msiFileName('orbit.exe', 'ORBITBINORBIT'),
        relPath: SERVICE_EXE_PATH,
        entry: { ...e, path: SERVICE_EXE_PATH },
        sameAs: key,
        sddl: SDDL_DEFAULT,
      });
    }
  }

  // Directories with nothing inside still have to be created.
  for (const d of sortedDirs) {
    if (d === '' || d === 'bin/orbit') {
      continue;
    }
    const prefix = d + '/';
    const hasContent = fileEntries.some((f) => f.path.startsWith(prefix)) || sortedDirs.some((o) => o.startsWith(prefix));
    if (!hasContent) {
      components.push({
        key: ids.derive('C_', d),
        guid: nameGuid(UPGRADE_CODE, d.toLowerCase() + '/'),
        directory: dirKey(d),
        keyPath: null,
        createFolder: true,
      });
    }
  }
  return { directories, files, components, dirKey };
}
