/**
 * Builds real TUF repositories for tests with our own `updates` implementation (in-process), holding
 * fake agent binaries for every platform, and starts loopback HTTP servers that serve them.
 */
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { addTarget, initRepo, rootsOf, type PassphraseProvider } from '../../src/tuf/repo.js';

export const PASSPHRASE: PassphraseProvider = async (role) => `test-${role}`;
export const PASSPHRASE_ENV = {
  FLEET_ROOT_PASSPHRASE: 'test-root',
  FLEET_TARGETS_PASSPHRASE: 'test-targets',
  FLEET_SNAPSHOT_PASSPHRASE: 'test-snapshot',
  FLEET_TIMESTAMP_PASSPHRASE: 'test-timestamp',
};

export const VERSIONS = { orbit: '1.38.0', osqueryd: '5.15.0', desktop: '1.38.0' } as const;

export function fakeAgent(name: string, platform: string, extraBytes = 0): Buffer {
  const script = Buffer.from(`#!/bin/sh\necho "fake ${name} (${platform})"\n`);
  // Optional padding (after an exit) makes larger, still runnable, binaries for size tests.
  return extraBytes > 0 ? Buffer.concat([script, Buffer.from('exit 0\n'), Buffer.alloc(extraBytes, 0x41)]) : script;
}

async function tarGz(entries: Array<{ name: string; data?: Buffer; mode?: number }>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    if (e.data === undefined) {
      p.entry({ name: e.name, type: 'directory', mode: 0o755, mtime: new Date(0) });
    } else {
      p.entry({ name: e.name, mode: e.mode ?? 0o755, mtime: new Date(0) }, e.data);
    }
  }
  p.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

export interface TestRepo {
  readonly dir: string;
  readonly repository: string;
  readonly rootJson: string;
}

export interface RepoContents {
  /** Platforms to publish (default: every platform the packagers use). */
  readonly platforms?: readonly string[];
  readonly desktop?: boolean;
  /** Extra bytes appended to orbit/osqueryd (size tests). */
  readonly padding?: number;
}

export async function makeTestRepo(dir: string, c: RepoContents = {}): Promise<TestRepo> {
  mkdirSync(dir, { recursive: true });
  await initRepo({ path: dir, passphrase: PASSPHRASE });
  const src = join(dir, 'src');
  mkdirSync(src, { recursive: true });
  const add = async (file: string, data: Buffer, name: string, platform: string): Promise<void> => {
    const p = join(src, `${platform}-${file}`);
    writeFileSync(p, data, { mode: 0o755 });
    await addTarget({ path: dir, passphrase: PASSPHRASE, target: p, name, platform, version: VERSIONS[name as keyof typeof VERSIONS], tags: ['stable'] });
  };
  const platforms = c.platforms ?? ['linux', 'linux-arm64', 'macos', 'windows', 'windows-arm64'];
  for (const pl of platforms) {
    const exe = pl.startsWith('windows') ? '.exe' : '';
    await add(`orbit${exe}`, fakeAgent('orbit', pl, c.padding), 'orbit', pl);
    if (pl === 'macos') {
      const app = await tarGz([
        { name: 'osquery.app/' },
        { name: 'osquery.app/Contents/' },
        { name: 'osquery.app/Contents/MacOS/' },
        { name: 'osquery.app/Contents/MacOS/osqueryd', data: fakeAgent('osqueryd', pl, c.padding) },
      ]);
      await add('osqueryd.app.tar.gz', app, 'osqueryd', 'macos-app');
    } else {
      await add(`osqueryd${exe}`, fakeAgent('osqueryd', pl, c.padding), 'osqueryd', pl);
    }
    if (c.desktop === true) {
      if (pl.startsWith('windows')) {
        await add('fleet-desktop.exe', fakeAgent('desktop', pl), 'desktop', pl);
      } else if (pl === 'macos') {
        await add('desktop.app.tar.gz', await tarGz([{ name: 'Fleet Desktop.app/Contents/MacOS/fleet-desktop', data: fakeAgent('desktop', pl) }]), 'desktop', pl);
      } else {
        await add('desktop.tar.gz', await tarGz([{ name: 'fleet-desktop/' }, { name: 'fleet-desktop/fleet-desktop', data: fakeAgent('desktop', pl) }]), 'desktop', pl);
      }
    }
  }
  return { dir, repository: join(dir, 'repository'), rootJson: await rootsOf(dir) };
}

export interface RepoServer {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** Serves a directory on 127.0.0.1 (random port); `mutate` may rewrite a response body in transit. */
export async function serveDir(dir: string, mutate?: (path: string, body: Buffer) => Buffer): Promise<RepoServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    requests.push(path);
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    const out = mutate ? mutate(path, body) : body;
    // Chunked (no Content-Length) when mutated, so a longer body really reaches the client.
    res.writeHead(200, mutate ? {} : { 'content-length': String(out.length) });
    res.end(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
