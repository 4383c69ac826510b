/**
 * Fault injection: make the next matching request(s) fail with a status, answer slowly, answer with
 * a non-JSON body, or drop the connection without answering, to exercise client retries and errors.
 */
export interface Fault {
  readonly method?: string;
  /** Matched against the path without the API prefix (e.g. `/mdm/apple/enrollments`). */
  readonly path?: string | RegExp;
  readonly status?: number;
  /** Raw body sent with `status` (default: Fleet error JSON). */
  readonly body?: string;
  readonly contentType?: string;
  readonly delayMs?: number;
  /** Destroy the socket without an answer. */
  readonly drop?: boolean;
  /** How many requests it affects (default 1; Infinity for all). */
  times?: number;
}

export class Faults {
  private list: Fault[] = [];

  add(f: Fault): void {
    this.list.push({ ...f, times: f.times ?? 1 });
  }

  clear(): void {
    this.list = [];
  }

  /** Returns (and consumes one use of) the first fault matching the request. */
  take(method: string, path: string): Fault | undefined {
    for (const f of this.list) {
      if (f.method !== undefined && f.method.toUpperCase() !== method) {
        continue;
      }
      if (f.path !== undefined && !(typeof f.path === 'string' ? f.path === path : f.path.test(path))) {
        continue;
      }
      f.times = (f.times ?? 1) - 1;
      if (f.times <= 0) {
        this.list = this.list.filter((x) => x !== f);
      }
      return f;
    }
    return undefined;
  }
}
