/**
 * The `packager serve` action: flags → service options → start, then run until SIGINT/SIGTERM,
 * closing cleanly (running builds are recorded as failed and retryable, as after a crash).
 */
import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { parseGoDuration } from '../core/duration.js';
import { FLEET_UPDATE_URL, readUpdateRoots } from '../packaging/options.js';
import { jsonLogger } from '../packager-service/log.js';
import { parseRateLimits } from '../packager-service/rate-limit.js';
import { startPackagerService } from '../packager-service/serve.js';
import type { CliContext } from './context.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[3]);
  if (m === null || !Number.isInteger(port) || port > 65535) {
    throw new UsageError('E_USAGE', `--listen "${value}" is not HOST:PORT`, { hint: 'e.g. 127.0.0.1:8080, [::1]:8080 or :8080' });
  }
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

function positiveInt(value: string | undefined, flag: string, dflt: number): number {
  if (value === undefined) {
    return dflt;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new UsageError('E_USAGE', `${flag} must be a positive whole number, got "${value}"`);
  }
  return n;
}

export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  const xdg = env['XDG_DATA_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(env['HOME'] ?? homedir(), '.local', 'share'), 'fleetctl', 'packager');
}

export async function runPackagerServe(opts: Record<string, unknown>, ctx: CliContext): Promise<void> {
  const { host, port } = parseListen(str(opts['listen']) ?? '127.0.0.1:8080');
  const ttlText = str(opts['ttl']) ?? '30m';
  const ttlMs = parseGoDuration(ttlText);
  if (ttlMs === undefined || ttlMs <= 0) {
    throw new UsageError('E_USAGE', `--ttl "${ttlText}" is not a positive duration`, { hint: 'use Go duration syntax, e.g. 30m, 1h' });
  }
  const dataDir = resolve(str(opts['dataDir']) ?? defaultDataDir(ctx.env));
  const cacheDir = resolve(str(opts['cacheDir']) ?? join(dataDir, 'cache'));
  const roots = str(opts['updateRoots']);
  const publicUrl = str(opts['publicUrl']);
  const log = jsonLogger(process.stderr);
  const running = await startPackagerService({
    host,
    port,
    dataDir,
    cacheRoot: cacheDir,
    ttlMs,
    concurrency: positiveInt(str(opts['concurrency']), '--concurrency', availableParallelism()),
    rateLimits: parseRateLimits(str(opts['rateLimit'])),
    maxBodyBytes: positiveInt(str(opts['maxBodyBytes']), '--max-body-bytes', 256 * 1024),
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    tuf: {
      updateUrl: (str(opts['updateUrl']) ?? FLEET_UPDATE_URL).trim(),
      ...(roots !== undefined ? { updateRoots: readUpdateRoots(roots) } : {}),
    },
    env: ctx.env,
    log,
  });
  if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') {
    log('warn', 'listening beyond loopback over plain HTTP: put a TLS-terminating proxy in front (packages carry enroll secrets)');
  }
  await new Promise<void>((done) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      log('info', 'shutting down', { signal });
      running.close().then(
        () => {
          // Builds cut off by close() wind down on their own; do not wait for a slow one.
          if (running.service.inFlight > 0) {
            setTimeout(() => process.exit(0), 3_000).unref();
          }
          done();
        },
        (e: unknown) => {
          log('error', 'shutdown failed', { error: e instanceof Error ? e.message : String(e) });
          done();
        },
      );
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
