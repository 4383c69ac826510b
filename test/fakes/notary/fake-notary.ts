/**
 * A local stand-in for Apple's Notary API and ticket service, written from Apple's documented
 * contract (developer.apple.com/documentation/notaryapi: "Submit Software", "Get Submission Status",
 * "Get Submission Log") and the CloudKit ticket lookup (reference pkg.md §5–§6), plus an in-process
 * S3 server (s3rver) that receives the upload.
 *
 *   POST /notary/v2/submissions            checks the ES256 JWT and the body; returns an id, temporary
 *                                          credentials, bucket and object (and, as a test extension,
 *                                          the local S3 endpoint)
 *   GET  /notary/v2/submissions/{id}       "In Progress" until the upload is there and N polls passed,
 *                                          then the scenario's status; the uploaded bytes must match
 *                                          the declared sha256 and carry a CMS signature
 *   GET  /notary/v2/submissions/{id}/logs  a developerLogUrl (served below, without auth)
 *   POST /database/1/com.apple.gk.ticket-delivery/production/public/records/lookup
 *                                          the ticket for `2/1/<TOC checksum>` once Accepted
 * Faults: the first N Notary API requests answer 503; the ticket can lag behind acceptance.
 */
import { createHash, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readXar } from '../../helpers/readers/xar-reader.js';

export type Scenario = 'accepted' | 'invalid' | 'in-progress';

export interface FakeNotaryOptions {
  readonly keyId: string;
  readonly issuerId: string;
  /** Public half of the App Store Connect API key the client signs tokens with. */
  readonly publicKey: KeyObject;
  scenario: Scenario;
  /** Status polls answered "In Progress" after the upload, before the final status. */
  pollsBeforeDone?: number;
  /** The next N Notary API requests answer HTTP 503 (counts down; may be set while running). */
  failFirst?: number;
  /** Ticket lookups answered NOT_FOUND after acceptance, before the ticket appears (counts down). */
  ticketLag?: number;
}

export interface Submission {
  readonly id: string;
  readonly name: string;
  readonly sha256: string;
  readonly object: string;
  status: string;
  polls: number;
  issues: Array<Record<string, unknown>>;
  record?: string;
}

export interface RequestLog {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly authorization?: string;
}

export interface FakeNotary {
  readonly apiUrl: string;
  readonly ticketUrl: string;
  readonly s3Endpoint: string;
  readonly submissions: Map<string, Submission>;
  readonly requests: RequestLog[];
  readonly options: FakeNotaryOptions;
  close(): Promise<void>;
}

export const BUCKET = 'notary-submissions';
const S3_KEY = 'S3RVER'; // s3rver's built-in account
const TICKET_PATH = '/database/1/com.apple.gk.ticket-delivery/production/public/records/lookup';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverCtor = new (o: Record<string, unknown>) => S3rverInstance;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) {
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, body: unknown): number {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  return status;
}

const apiError = (res: ServerResponse, status: number, code: string, title: string, detail: string): number =>
  json(res, status, { errors: [{ id: randomUUID(), status: String(status), code, title, detail }] });

/** Checks an App Store Connect token as Apple documents it: ES256, kid, iss, aud, exp ≤ iat + 20 min. */
function checkJwt(auth: string | undefined, o: FakeNotaryOptions): string | undefined {
  const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(auth ?? '');
  if (m === null) {
    return 'missing bearer token';
  }
  const [, h, c, s] = m as unknown as [string, string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>;
  if (header['alg'] !== 'ES256' || header['kid'] !== o.keyId || header['typ'] !== 'JWT') {
    return 'bad header';
  }
  const now = Math.floor(Date.now() / 1000);
  const iat = Number(claims['iat']);
  const exp = Number(claims['exp']);
  if (claims['iss'] !== o.issuerId || claims['aud'] !== 'appstoreconnect-v1' || !(exp > now) || exp - iat > 1200 || iat > now + 60) {
    return 'bad claims';
  }
  if (!verify('sha256', Buffer.from(`${h}.${c}`), { key: o.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) {
    return 'bad signature';
  }
  return undefined;
}

export async function startFakeNotary(options: FakeNotaryOptions): Promise<FakeNotary> {
  const s3dir = mkdtempSync(join(tmpdir(), 'fake-notary-s3-'));
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;
  const s3 = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: s3dir,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  const s3addr = await s3.run();
  const s3Endpoint = `http://127.0.0.1:${s3addr.port}`;
  const s3client = new S3Client({
    region: 'us-west-2',
    endpoint: s3Endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_KEY, secretAccessKey: S3_KEY },
  });

  const submissions = new Map<string, Submission>();
  const tickets = new Map<string, Buffer>();
  const requests: RequestLog[] = [];
  let base = '';

  const uploaded = async (sub: Submission): Promise<Buffer | undefined> => {
    try {
      const r = await s3client.send(new GetObjectCommand({ Bucket: BUCKET, Key: sub.object }));
      return Buffer.from((await r.Body?.transformToByteArray()) ?? []);
    } catch {
      return undefined;
    }
  };

  /** Decides the outcome the first time the upload is seen complete. */
  const judge = (sub: Submission, pkg: Buffer): void => {
    const issue = (message: string): void => {
      sub.issues.push({
        severity: 'error',
        code: null,
        path: sub.name,
        message,
        docUrl: 'https://developer.apple.com/documentation/security/resolving-common-notarization-issues',
        architecture: 'x86_64',
      });
    };
    if (createHash('sha256').update(pkg).digest('hex') !== sub.sha256) {
      issue('The uploaded file does not match the declared sha256.');
    }
    try {
      const x = readXar(pkg);
      if (!x.signatures.some((s) => s.style === 'CMS')) {
        issue('The package is not signed with a valid Developer ID certificate.');
      }
      const heap = x.heapStart + x.checksum.offset;
      sub.record = `2/1/${pkg.subarray(heap, heap + x.checksum.size).toString('hex')}`;
    } catch {
      issue('The file is not a valid flat package.');
    }
    if (options.scenario === 'invalid') {
      issue('The signature of the binary is invalid.');
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const url = new URL(req.url ?? '/', base);
    const body = await readBody(req);
    if (url.pathname === TICKET_PATH && req.method === 'POST') {
      const recordName =
        (JSON.parse(body.toString() || '{}') as { records?: Array<{ recordName?: string }> }).records?.[0]?.recordName ?? '';
      const ticket = tickets.get(recordName);
      if (ticket === undefined || (options.ticketLag ?? 0) > 0) {
        if (ticket !== undefined) {
          options.ticketLag = (options.ticketLag ?? 0) - 1;
        }
        return json(res, 200, { records: [{ recordName, reason: 'Record not found', serverErrorCode: 'NOT_FOUND' }] });
      }
      return json(res, 200, {
        records: [
          { recordName, recordType: 'DeveloperIDTicket', fields: { signedTicket: { type: 'BYTES', value: ticket.toString('base64') } } },
        ],
      });
    }
    const log = /^\/logs\/([\w-]+)\.json$/.exec(url.pathname);
    if (log !== null && req.method === 'GET') {
      const sub = submissions.get(log[1] as string);
      if (sub === undefined) {
        return json(res, 404, { error: 'no such log' });
      }
      return json(res, 200, {
        logFormatVersion: 1,
        jobId: sub.id,
        status: sub.status,
        statusSummary: sub.status === 'Accepted' ? 'Ready for distribution' : 'Archive contains critical validation errors',
        statusCode: sub.status === 'Accepted' ? 0 : 4000,
        archiveFilename: sub.name,
        sha256: sub.sha256,
        ticketContents: null,
        issues: sub.issues.length > 0 ? sub.issues : null,
      });
    }
    if (!url.pathname.startsWith('/notary/v2/')) {
      return json(res, 404, { error: 'not found' });
    }
    if ((options.failFirst ?? 0) > 0) {
      options.failFirst = (options.failFirst ?? 0) - 1;
      return apiError(res, 503, 'SERVICE_UNAVAILABLE', 'Service Unavailable', 'try again later');
    }
    const authProblem = checkJwt(req.headers.authorization, options);
    if (authProblem !== undefined) {
      return apiError(res, 401, 'NOT_AUTHORIZED', 'Authentication credentials are missing or invalid.', authProblem);
    }
    if (url.pathname === '/notary/v2/submissions' && req.method === 'POST') {
      const b = JSON.parse(body.toString() || '{}') as { submissionName?: unknown; sha256?: unknown };
      if (
        typeof b.submissionName !== 'string' ||
        b.submissionName === '' ||
        typeof b.sha256 !== 'string' ||
        !/^[0-9a-f]{64}$/.test(b.sha256)
      ) {
        return apiError(res, 400, 'PARAMETER_ERROR.INVALID', 'A parameter has an invalid value', 'submissionName and sha256 are required');
      }
      const id = randomUUID();
      const sub: Submission = {
        id,
        name: b.submissionName,
        sha256: b.sha256,
        object: `prod/${options.issuerId}/${id}`,
        status: 'In Progress',
        polls: 0,
        issues: [],
      };
      submissions.set(id, sub);
      return json(res, 200, {
        data: {
          id,
          type: 'newSubmissions',
          attributes: {
            awsAccessKeyId: S3_KEY,
            awsSecretAccessKey: S3_KEY,
            awsSessionToken: `fake-session-${randomUUID()}`,
            bucket: BUCKET,
            object: sub.object,
            endpoint: s3Endpoint,
          },
        },
        meta: {},
      });
    }
    const m = /^\/notary\/v2\/submissions\/([\w-]+)(\/logs)?$/.exec(url.pathname);
    const sub = m === null ? undefined : submissions.get(m[1] as string);
    if (m === null || req.method !== 'GET') {
      return apiError(res, 404, 'NOT_FOUND', 'The specified resource does not exist', url.pathname);
    }
    if (sub === undefined) {
      return apiError(res, 404, 'NOT_FOUND', 'The specified resource does not exist', 'There is no resource of type submissions with id');
    }
    if (m[2] === '/logs') {
      if (sub.status === 'In Progress') {
        return apiError(res, 404, 'NOT_FOUND', 'The specified resource does not exist', 'log not available yet');
      }
      return json(res, 200, {
        data: { id: sub.id, type: 'submissionsLog', attributes: { developerLogUrl: `${base}/logs/${sub.id}.json` } },
        meta: {},
      });
    }
    if (sub.status === 'In Progress' && options.scenario !== 'in-progress') {
      const pkg = await uploaded(sub);
      if (pkg !== undefined) {
        sub.polls++;
        if (sub.polls > (options.pollsBeforeDone ?? 1)) {
          judge(sub, pkg);
          sub.status = sub.issues.length > 0 ? 'Invalid' : 'Accepted';
          if (sub.status === 'Accepted' && sub.record !== undefined) {
            tickets.set(sub.record, Buffer.concat([Buffer.from('s8ch'), Buffer.from(`fake ticket ${sub.record}`)]));
          }
        }
      }
    }
    return json(res, 200, {
      data: { id: sub.id, type: 'submissions', attributes: { status: sub.status, name: sub.name, createdDate: new Date().toISOString() } },
      meta: {},
    });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).then(
      (status) =>
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          status,
          ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
        }),
      (e: unknown) => {
        requests.push({ method: req.method ?? '', path: req.url ?? '', status: 500 });
        if (!res.headersSent) {
          res.writeHead(500).end(String(e));
        }
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${base}/notary/v2`,
    ticketUrl: `${base}${TICKET_PATH}`,
    s3Endpoint,
    submissions,
    requests,
    options,
    close: async () => {
      s3client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await s3.close();
      rmSync(s3dir, { recursive: true, force: true });
    },
  };
}
