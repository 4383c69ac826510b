/**
 * A Fleet REST API emulator for tests and demos: the endpoints fleetctl's login/logout and
 * apple-mdm commands use, with Fleet's auth (Bearer session tokens), validation rules, error JSON
 * and pagination, plus fault injection. It listens on 127.0.0.1 only, on an ephemeral port.
 *
 *   const emu = await startFleetEmulator();
 *   emu.url            // http://127.0.0.1:<port>
 *   emu.adminToken     // a valid session token for the seeded admin
 *   emu.faults.add({ path: '/mdm/apple/enrollments', status: 503, times: 2 });
 *   emu.state          // read or change the data
 *   await emu.close();
 *
 * Control endpoints for use from outside the process (the `fleet-emulator` script):
 * `POST /__emulator/faults` (a Fault as JSON, `path` as a regular expression string),
 * `POST /__emulator/reset` (clears faults), `GET /__emulator/state`.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Faults, type Fault } from './faults.js';
import { HttpError, fleetErrors, readJson, sendError, sendJson } from './http-util.js';
import { ROUTES } from './routes.js';
import { EmulatorState, seedState } from './state.js';

export interface EmulatorOptions {
  /** Seeded admin credentials (defaults below). */
  readonly adminEmail?: string;
  readonly adminPassword?: string;
  /** Serve under this prefix (a Fleet server's `server.url_prefix`). */
  readonly urlPrefix?: string;
  /** DEP devices per page (Apple's `limit`), small by default to exercise cursors. */
  readonly depPageSize?: number;
  /** Serve HTTPS with this PEM key and certificate. */
  readonly tls?: { readonly key: string; readonly cert: string };
  readonly port?: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface FleetEmulator {
  readonly url: string;
  readonly state: EmulatorState;
  readonly faults: Faults;
  readonly requests: RecordedRequest[];
  readonly adminEmail: string;
  readonly adminPassword: string;
  readonly adminToken: string;
  close(): Promise<void>;
}

export const DEFAULT_ADMIN_EMAIL = 'admin@example.com';
export const DEFAULT_ADMIN_PASSWORD = 'admin-password-123!';

const API = /^\/api\/(?:v1|latest)\/fleet(\/.*)$/;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startFleetEmulator(opts: EmulatorOptions = {}): Promise<FleetEmulator> {
  const state = new EmulatorState();
  const adminEmail = opts.adminEmail ?? DEFAULT_ADMIN_EMAIL;
  const adminPassword = opts.adminPassword ?? DEFAULT_ADMIN_PASSWORD;
  seedState(state, { adminEmail, adminPassword });
  const adminToken = state.newSession(1);
  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  const prefix = (opts.urlPrefix ?? '').replace(/\/+$/, '');
  let baseUrl = '';

  async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'POST' && path === '/__emulator/faults') {
      const b = await readJson(req);
      const f: Fault = {
        ...(typeof b['method'] === 'string' ? { method: b['method'] } : {}),
        ...(typeof b['path'] === 'string' ? { path: new RegExp(b['path']) } : {}),
        ...(typeof b['status'] === 'number' ? { status: b['status'] } : {}),
        ...(typeof b['body'] === 'string' ? { body: b['body'] } : {}),
        ...(typeof b['delayMs'] === 'number' ? { delayMs: b['delayMs'] } : {}),
        ...(b['drop'] === true ? { drop: true } : {}),
        ...(typeof b['times'] === 'number' ? { times: b['times'] } : {}),
      };
      faults.add(f);
      sendJson(res, 200, {});
    } else if (req.method === 'POST' && path === '/__emulator/reset') {
      faults.clear();
      sendJson(res, 200, {});
    } else if (req.method === 'GET' && path === '/__emulator/state') {
      sendJson(res, 200, {
        enrollments: state.enrollments,
        hosts: state.hosts,
        commands: state.commands,
        profiles: state.profiles.map(({ mobileconfig: _m, ...p }) => p),
      });
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith('/__emulator/')) {
      await control(req, res, url.pathname);
      return;
    }
    requests.push({ method, path: url.pathname, query: url.search, headers: { ...req.headers } });
    const rest = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : undefined;
    const m = rest === undefined ? null : API.exec(rest);
    const apiPath = m?.[1];
    if (apiPath === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    const fault = faults.take(method, apiPath);
    if (fault !== undefined) {
      if (fault.delayMs !== undefined) {
        await sleep(fault.delayMs);
      }
      if (fault.drop === true) {
        req.socket.destroy();
        return;
      }
      if (fault.status !== undefined) {
        if (fault.body !== undefined) {
          res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'text/html' }).end(fault.body);
        } else {
          sendError(res, fleetErrors.status(fault.status, fault.status >= 500 ? 'Internal Server Error' : 'Injected error'));
        }
        return;
      }
    }
    const candidates = ROUTES.filter((r) => r.pattern.test(apiPath));
    const route = candidates.find((r) => r.method === method);
    if (route === undefined) {
      if (candidates.length > 0) {
        res.writeHead(405, { 'content-type': 'text/plain' }).end('405 method not allowed\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      }
      return;
    }
    let user;
    let token: string | undefined;
    if (route.auth) {
      const h = req.headers['authorization'] ?? '';
      token = /^Bearer (.+)$/i.exec(h)?.[1];
      const uid = token === undefined ? undefined : state.sessions.get(token);
      user = state.users.find((u) => u.id === uid);
      if (user === undefined) {
        throw fleetErrors.unauthenticated();
      }
      if (route.admin === true && user.globalRole !== 'admin') {
        throw fleetErrors.forbidden();
      }
    }
    const out = await route.handle({
      req,
      url,
      params: (route.pattern.exec(apiPath) ?? []).slice(1),
      state,
      user,
      token,
      baseUrl: `${baseUrl}${prefix}`,
      depPageSize: opts.depPageSize ?? 2,
    });
    sendJson(res, out.status ?? 200, out.body);
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) {
        sendError(res, e);
      } else {
        sendError(res, fleetErrors.status(500, e instanceof Error ? e.message : String(e)));
      }
    });
  };
  const server: Server =
    opts.tls === undefined ? createHttpServer(listener) : createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `${opts.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    state,
    faults,
    requests,
    adminEmail,
    adminPassword,
    adminToken,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
