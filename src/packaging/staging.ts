/**
 * Builds the orbit root every installer type ships (reference: fleetctl-package §2.5, tuf §1.6):
 *   bin/<target>/<platform>/<channel>/<file>  TUF targets (verified, straight from the target store)
 *   …/<x>.tar.gz → extracted tree + <x>.tar.gz.sha512 sidecar (as Fleet has done since Sep 2025)
 *   certs.pem, osquery.flags, secret.txt (macOS/Windows), fleet.pem, update.pem, client certs
 *   updates-metadata.json and/or tuf-metadata.json, staging/
 * Nothing large is copied: entries point at the verified files in the cache.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { join } from 'node:path';
import type { ArchiveEntry } from '../formats/entry.js';
import { parentDirs, sortByPath } from '../formats/entry.js';
import type { TufClient } from '../tuf/client.js';
import { extractTarGz, joinRel, type ExtractedEntry } from './extract-targz.js';
import { isFleetUpdateUrl } from './options.js';
import { targetSpecs } from './targets.js';
import type { BuildStage, PackageOptions, StagedTarget, StagedTargets, TargetName } from './types.js';

export interface StagingResult {
  readonly orbitRoot: ArchiveEntry[];
  readonly targets: StagedTargets;
  readonly version: string;
}

function entry(path: string, type: ArchiveEntry['type'], mode: number, mtime: number, extra: Partial<ArchiveEntry> = {}): ArchiveEntry {
  return { path, type, mode, mtime, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 0, ...extra };
}

function bytesFile(path: string, mode: number, data: Buffer, mtime: number): ArchiveEntry {
  return entry(path, 'file', mode, mtime, { size: data.length, content: { kind: 'bytes', data } });
}

/**
 * osquery's CA bundle. Fleet ships Mozilla's CA list (via curl); Node carries the same Mozilla list,
 * so the bundle is built from it instead of shipping a copy that would go stale.
 */
export function caBundle(): Buffer {
  return Buffer.from(rootCertificates.map((c) => (c.endsWith('\n') ? c : `${c}\n`)).join(''), 'utf8');
}

/**
 * The packaged TUF metadata: a JSON object of the four verified documents, compact with a trailing
 * newline, keys sorted (what Fleet's Go file store writes).
 */
export function packagedMetadata(docs: Record<string, unknown>): Buffer {
  const sorted = Object.fromEntries(Object.keys(docs).sort().map((k) => [k, docs[k]]));
  return Buffer.from(`${JSON.stringify(sorted)}\n`, 'utf8');
}

/**
 * The per-enrollment files of the orbit root: `secret.txt` (mode 0600) on macOS and Windows, where
 * orbit reads the enroll secret from a file; Linux packages carry it in /etc/default/orbit instead.
 * Kept apart from the staged tree so one staging can serve many secrets (sandbox, Packager service).
 */
export function withEnrollmentFiles(orbitRoot: readonly ArchiveEntry[], options: PackageOptions, tufPlatform: string): ArchiveEntry[] {
  const isDesktopOs = tufPlatform === 'macos' || tufPlatform.startsWith('windows');
  const rest = orbitRoot.filter((e) => e.path !== 'secret.txt');
  if (!isDesktopOs || options.enrollSecret === '') {
    return rest;
  }
  return sortByPath([...rest, bytesFile('secret.txt', 0o600, Buffer.from(options.enrollSecret, 'utf8'), options.mtime)]);
}

/**
 * Archives already extracted in this run, by verified archive file: builds of several types from the
 * same target (deb and rpm both ship the Linux Fleet Desktop) then share one extraction, so the
 * extracted files have one identity on disk and their compressed form is reused (content-cache.ts).
 */
export interface SharedExtractions {
  readonly root: string;
  readonly archives: Map<string, Promise<ExtractedEntry[]>>;
}

export interface StageArgs {
  readonly options: PackageOptions;
  readonly tufPlatform: string;
  readonly tuf: TufClient;
  readonly tmpDir: string;
  readonly shared?: SharedExtractions;
  readonly report: (stage: BuildStage, detail?: string) => void;
}

export async function stageOrbitRoot(a: StageArgs): Promise<StagingResult> {
  const o = a.options;
  const mtime = o.mtime;
  const files: ArchiveEntry[] = [];
  const dirs = new Map<string, number>([['staging', 0o755]]);
  const channelOf: Record<TargetName, string> = { orbit: o.orbitChannel, osqueryd: o.osquerydChannel, desktop: o.desktopChannel };
  const staged: Partial<Record<TargetName, StagedTarget>> = {};

  // osqueryd first, then orbit, then desktop: the order Fleet downloads them in.
  const specs = targetSpecs(a.tufPlatform, o.fleetDesktop);
  for (const spec of specs) {
    const channel = channelOf[spec.name];
    const repoPath = `${spec.name}/${spec.platform}/${channel}/${spec.file}`;
    a.report('staging', `fetching ${repoPath}`);
    const t = await a.tuf.target(repoPath);
    const relPath = `bin/${repoPath}`;
    const relDir = relPath.slice(0, relPath.lastIndexOf('/'));
    let execPath = relPath;
    if (spec.archiveExec === undefined) {
      files.push(entry(relPath, 'file', 0o755, mtime, { size: t.length, content: { kind: 'path', path: t.file } }));
    } else {
      let extracted: ExtractedEntry[];
      if (a.shared !== undefined) {
        const shared = a.shared;
        let pending = shared.archives.get(t.file);
        if (pending === undefined) {
          pending = extractTarGz(t.file, join(shared.root, `${shared.archives.size}`), `target ${repoPath}`);
          shared.archives.set(t.file, pending);
        }
        extracted = await pending;
      } else {
        extracted = await extractTarGz(t.file, join(a.tmpDir, 'extract', ...relDir.split('/')), `target ${repoPath}`);
      }
      for (const x of extracted) {
        const p = joinRel(relDir, x.path);
        if (x.type === 'dir') {
          dirs.set(p, 0o755);
        } else {
          files.push(entry(p, 'file', x.mode, mtime, { size: x.size, content: { kind: 'path', path: x.diskPath } }));
        }
      }
      execPath = `${relDir}/${spec.archiveExec}`;
      if (!files.some((f) => f.path === execPath)) {
        throw new Error(`target ${repoPath} does not contain ${spec.archiveExec}`);
      }
      // orbit reads this sidecar instead of re-hashing (or re-downloading) the removed archive.
      const sha512 = t.hashes['sha512'];
      if (sha512 !== undefined) {
        files.push(bytesFile(`${relPath}.sha512`, 0o644, Buffer.from(sha512), mtime));
      }
    }
    staged[spec.name] = { name: spec.name, platform: spec.platform, channel, relPath, version: t.version ?? '', execPath };
  }
  const orbit = staged.orbit;
  const osqueryd = staged.osqueryd;
  if (orbit === undefined || osqueryd === undefined) {
    throw new Error('orbit and osqueryd targets are always staged');
  }
  if (orbit.version === '') {
    throw new Error(`target ${orbit.relPath} has no custom.version in targets.json: cannot version the package`);
  }

  files.push(bytesFile('certs.pem', 0o644, caBundle(), mtime));
  if (o.osqueryFlagfile !== undefined) {
    files.push(bytesFile('osquery.flags', 0o600, readFileSync(o.osqueryFlagfile), mtime));
  }
  const copies: Array<[string | undefined, string, number]> = [
    [o.fleetCertificate, 'fleet.pem', 0o644],
    [o.updateTlsCertificate, 'update.pem', 0o644],
    [o.fleetTlsClientCertificate, 'fleet_client.crt', 0o600],
    [o.fleetTlsClientKey, 'fleet_client.key', 0o600],
    [o.updateTlsClientCertificate, 'update_client.crt', 0o600],
    [o.updateTlsClientKey, 'update_client.key', 0o600],
  ];
  for (const [src, name, mode] of copies) {
    if (src !== undefined) {
      files.push(bytesFile(name, mode, readFileSync(src), mtime));
    }
  }
  const metadata = packagedMetadata(await a.tuf.metadataDocuments());
  if (isFleetUpdateUrl(o.updateUrl)) {
    files.push(bytesFile('updates-metadata.json', 0o600, metadata, mtime));
  }
  files.push(bytesFile('tuf-metadata.json', 0o600, metadata, mtime));

  for (const f of files) {
    for (const d of parentDirs(f.path)) {
      if (!dirs.has(d)) {
        dirs.set(d, 0o755);
      }
    }
  }
  const orbitRoot = sortByPath([...[...dirs].map(([p, mode]) => entry(p, 'dir', mode, mtime)), ...files]);
  return {
    orbitRoot,
    targets: { orbit, osqueryd, ...(staged.desktop ? { desktop: staged.desktop } : {}) },
    version: orbit.version,
  };
}
