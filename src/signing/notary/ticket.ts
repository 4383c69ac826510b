/**
 * Fetches the notarization ticket of a flat package from Apple's ticket service (CloudKit public
 * database com.apple.gk.ticket-delivery; reference: pkg.md §6, apple-codesign `src/ticket_lookup.rs`).
 *
 * The record name is `2/<digest type>/<hex TOC checksum>`, digest type 1 for a SHA-1 TOC checksum and
 * 2 for SHA-256. Success carries `records[0].fields.signedTicket.value` (base64, starts with "s8ch");
 * a missing ticket answers `records[0].serverErrorCode` (e.g. NOT_FOUND). A ticket may appear a
 * little after the submission is Accepted, so a missing one is retried for a while.
 */
import { ApiError } from '../../core/errors.js';
import { describeError, isTransientStatus, sleep, TransientError, withRetry } from '../retry.js';
import { TICKET_MAGIC } from '../stapler.js';

export const TICKET_LOOKUP_URL = 'https://api.apple-cloudkit.com/database/1/com.apple.gk.ticket-delivery/production/public/records/lookup';

export function ticketRecordName(tocChecksum: Buffer): string {
  const type = tocChecksum.length === 20 ? 1 : tocChecksum.length === 32 ? 2 : undefined;
  if (type === undefined) {
    throw new ApiError('E_TICKET', `cannot derive a ticket record name from a ${tocChecksum.length}-byte TOC checksum`);
  }
  return `2/${type}/${tocChecksum.subarray(0, 20).toString('hex')}`;
}

export interface TicketLookupOptions {
  readonly url?: string;
  /** How long to keep asking while the record is not found yet. */
  readonly waitMs?: number;
  readonly intervalMs?: number;
  readonly fetch?: typeof fetch;
}

class NotYet extends Error {}

export async function fetchTicket(recordName: string, o: TicketLookupOptions = {}): Promise<Buffer> {
  const url = o.url ?? TICKET_LOOKUP_URL;
  const doFetch = o.fetch ?? fetch;
  const deadline = Date.now() + (o.waitMs ?? 60_000);
  let lastReason: string;
  for (;;) {
    try {
      return await withRetry(async () => {
        const res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ records: [{ recordName }] }),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        if (isTransientStatus(res.status)) {
          throw new TransientError(`HTTP ${res.status}`, res.status);
        }
        if (!res.ok) {
          throw new ApiError('E_TICKET', `ticket lookup failed: HTTP ${res.status}`);
        }
        const rec = (
          JSON.parse(text) as {
            records?: Array<{ fields?: { signedTicket?: { value?: unknown } }; serverErrorCode?: string; reason?: string }>;
          }
        ).records?.[0];
        const value = rec?.fields?.signedTicket?.value;
        if (typeof value === 'string') {
          const ticket = Buffer.from(value, 'base64');
          if (ticket.toString('latin1', 0, 4) !== TICKET_MAGIC) {
            throw new ApiError('E_TICKET', 'the ticket service returned something that is not a notarization ticket');
          }
          return ticket;
        }
        throw new NotYet(rec?.serverErrorCode ?? rec?.reason ?? 'no record');
      });
    } catch (e) {
      if (!(e instanceof NotYet)) {
        if (e instanceof ApiError) {
          throw e;
        }
        throw new ApiError('E_TICKET', `ticket lookup failed: ${describeError(e)}`);
      }
      lastReason = e.message;
    }
    if (Date.now() >= deadline) {
      throw new ApiError('E_TICKET', `notarization was accepted but no ticket is published for ${recordName} (${lastReason})`, {
        hint: 'Apple may publish the ticket a little later; Gatekeeper also finds it online, but the package was not stapled',
      });
    }
    await sleep(o.intervalMs ?? 3000);
  }
}
