/**
 * Notarize and staple a signed flat package, the flow of `notarytool submit --wait` + `stapler
 * staple`, done over HTTP so it runs on Linux:
 *   hash → POST submission → S3 upload → poll status (backoff, overall timeout) →
 *   Accepted: fetch the ticket by the TOC checksum and append it to the package;
 *   Invalid/Rejected: fetch the developer log and fail with its issues.
 * Any outcome other than "Accepted and stapled" is an error: never a silent unstapled success.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { ApiError } from '../../core/errors.js';
import { formatGoDuration } from '../../core/duration.js';
import { sleep } from '../retry.js';
import { stapleFile } from '../stapler.js';
import { NotaryClient, type NotaryLog, type NotaryLogIssue } from './api.js';
import { tokenSource, type ApiKey } from './jwt.js';
import { fetchTicket, ticketRecordName } from './ticket.js';
import { uploadSubmission } from './upload.js';

export interface NotarizeParams {
  readonly apiKey: ApiKey;
  /** Name Apple shows for the submission (the package's final file name). */
  readonly submissionName: string;
  /** Overall limit from submission to a final status. */
  readonly timeoutMs: number;
  /** First poll delay; grows ×1.5 up to 30 s. */
  readonly pollIntervalMs?: number;
  readonly apiUrl?: string;
  readonly ticketUrl?: string;
  readonly s3Endpoint?: string;
  readonly progress?: (detail: string) => void;
}

export interface NotarizationResult {
  readonly submissionId: string;
  readonly status: string;
  readonly stapled: boolean;
  readonly ticketRecord: string;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

/** The TOC checksum as stored in the heap: what the ticket is keyed by. */
export async function readTocChecksum(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const header = Buffer.alloc(28);
    await fh.read(header, 0, 28, 0);
    const headerSize = header.readUInt16BE(4);
    const tocLength = Number(header.readBigUInt64BE(8));
    const toc = Buffer.alloc(tocLength);
    await fh.read(toc, 0, tocLength, headerSize);
    const xml = inflateSync(toc).toString('utf8');
    const m = /<checksum[^>]*>\s*<offset>(\d+)<\/offset>\s*<size>(\d+)<\/size>/.exec(xml);
    if (m === null) {
      throw new ApiError('E_NOTARIZE', 'the package has no TOC checksum');
    }
    const value = Buffer.alloc(Number(m[2]));
    await fh.read(value, 0, value.length, headerSize + tocLength + Number(m[1]));
    return value;
  } finally {
    await fh.close();
  }
}

function formatIssue(i: NotaryLogIssue): string {
  const where = [i.path, i.architecture].filter((s) => s !== undefined && s !== '').join(' ');
  return `${i.severity ?? 'issue'}${where !== '' ? ` in ${where}` : ''}: ${i.message ?? '(no message)'}${i.docUrl !== undefined && i.docUrl !== null ? ` (${i.docUrl})` : ''}`;
}

/** A readable summary of a notarization log, for error messages and the console. */
export function summarizeLog(log: NotaryLog): string {
  const lines = [log.statusSummary ?? log.status ?? 'no summary'];
  for (const i of log.issues ?? []) {
    lines.push(`  - ${formatIssue(i)}`);
  }
  return lines.join('\n');
}

export async function notarizeAndStaple(path: string, p: NotarizeParams): Promise<NotarizationResult> {
  const progress = p.progress ?? (() => {});
  const client = new NotaryClient({
    ...(p.apiUrl !== undefined ? { baseUrl: p.apiUrl } : {}),
    token: tokenSource(p.apiKey),
    onRetry: (m) => progress(m),
  });
  const sha256 = await sha256File(path);
  const record = ticketRecordName(await readTocChecksum(path));

  progress('creating the notarization submission');
  const sub = await client.submit(p.submissionName, sha256);
  progress(`uploading to Apple (submission ${sub.id})`);
  await uploadSubmission(path, sub, p.s3Endpoint !== undefined ? { endpoint: p.s3Endpoint } : {});

  const started = Date.now();
  const deadline = started + p.timeoutMs;
  let delay = p.pollIntervalMs ?? 5000;
  let status = 'In Progress';
  for (;;) {
    try {
      status = (await client.status(sub.id)).status;
    } catch (e) {
      // A service outage while waiting is not the package's fault: keep waiting until the deadline.
      if (!(e instanceof ApiError && e.code === 'E_NOTARY_UNAVAILABLE')) {
        throw e;
      }
      progress(`Notary API unavailable, still waiting (submission ${sub.id})`);
    }
    if (status !== 'In Progress') {
      break;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new ApiError(
        'E_NOTARIZE_TIMEOUT',
        `notarization did not finish within ${formatGoDuration(p.timeoutMs)} (submission ${sub.id}, status ${status}); the package was not stapled`,
        {
          hint: 'Apple keeps processing the submission; raise --notarize-timeout or try again later',
        },
      );
    }
    progress(`waiting for Apple (submission ${sub.id}, ${Math.round((Date.now() - started) / 1000)}s)`);
    await sleep(Math.min(delay, left));
    delay = Math.min(delay * 1.5, 30_000);
  }

  if (status !== 'Accepted') {
    let summary: string;
    try {
      summary = summarizeLog(await client.log(sub.id));
    } catch (e) {
      summary = `the log could not be fetched: ${e instanceof Error ? e.message : String(e)}`;
    }
    throw new ApiError('E_NOTARIZE_REJECTED', `Apple notarization returned ${status} for submission ${sub.id}:\n${summary}`, {
      hint: 'fix the issues above and build again; the package was not stapled',
    });
  }

  progress(`stapling the notarization ticket (submission ${sub.id})`);
  const ticket = await fetchTicket(record, {
    ...(p.ticketUrl !== undefined ? { url: p.ticketUrl } : {}),
    intervalMs: Math.min(p.pollIntervalMs ?? 3000, 3000),
  });
  await stapleFile(path, ticket);
  return { submissionId: sub.id, status, stapled: true, ticketRecord: record };
}
