/**
 * Starts the Packager service: the core (PackagerService), the HTTP shell, and the timers that
 * expire packages and forget idle rate-limit buckets. Used by `fleetctl packager serve`, the
 * tests and the benchmark.
 */
import type { AddressInfo } from 'node:net';
import { createPackagerServer, DEFAULT_MAX_BODY } from './http-server.js';
import type { Logger } from './log.js';
import { RateLimiter, type RateLimits } from './rate-limit.js';
import { PackagerService, type ServiceConfig } from './service.js';

export interface ServeOptions extends ServiceConfig {
  readonly host: string;
  readonly port: number;
  readonly rateLimits: RateLimits;
  readonly maxBodyBytes?: number;
  readonly publicUrl?: string;
  readonly log: Logger;
}

export interface RunningService {
  readonly url: string;
  readonly service: PackagerService;
  close(): Promise<void>;
}

export async function startPackagerService(o: ServeOptions): Promise<RunningService> {
  const service = await PackagerService.open(o);
  const limiter = new RateLimiter(o.rateLimits);
  const server = createPackagerServer({
    service,
    limiter,
    log: o.log,
    maxBodyBytes: o.maxBodyBytes ?? DEFAULT_MAX_BODY,
    ...(o.publicUrl !== undefined ? { publicUrl: o.publicUrl } : {}),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await service.close();
    throw e;
  }
  // Expiry runs often enough that a package outlives its TTL by at most a few percent of it
  // (reads also check expiry, so nothing is served late regardless).
  const sweepMs = Math.max(250, Math.min(30_000, Math.floor(o.ttlMs / 10)));
  let sweeping = false;
  const timer = setInterval(() => {
    limiter.sweep();
    if (sweeping) {
      return;
    }
    sweeping = true;
    service
      .expireDue()
      .catch((e: unknown) => o.log('error', 'expiry sweep failed', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        sweeping = false;
      });
  }, sweepMs);
  timer.unref();
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  o.log('info', 'listening', { url, data_dir: o.dataDir, ttl_ms: o.ttlMs, concurrency: o.concurrency, update_url: o.tuf.updateUrl });
  let closing: Promise<void> | undefined;
  return {
    url,
    service,
    close: () => {
      closing ??= (async () => {
        clearInterval(timer);
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        // Downloads in flight get a moment to finish; then connections are cut.
        const force = setTimeout(() => server.closeAllConnections(), 2_000);
        await closed;
        clearTimeout(force);
        await service.close();
      })();
      return closing;
    },
  };
}
