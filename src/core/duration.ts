/**
 * Go's time.Duration text format, which orbit parses: `ParseDuration` accepts `1h30m`, `15m`, `90s`,
 * `1.5h`, `500ms`…; `String()` renders `15m0s`, `1h30m0s`, `1m30s`. fleetctl renders the
 * --update-interval flag with String() into orbit's config, so we do the same.
 */
const UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration into milliseconds; undefined when the text is not a valid duration. */
export function parseGoDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') {
    return 0;
  }
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  const sign = s.startsWith('-') ? -1 : 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    pos = 1;
  }
  if (pos >= s.length) {
    return undefined;
  }
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (m === null) {
      return undefined;
    }
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    pos = re.lastIndex;
  }
  return sign * total;
}

/** Formats milliseconds like Go's Duration.String() (whole-millisecond precision). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) {
    return '0s';
  }
  const neg = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) {
    return `${neg ? '-' : ''}${rest}ms`;
  }
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const secs = rest / 1000;
  const secText = Number.isInteger(secs) ? String(secs) : String(Number(secs.toFixed(3)));
  let out = `${secText}s`;
  if (h > 0 || m > 0) {
    out = `${m}m${out}`;
  }
  if (h > 0) {
    out = `${h}h${out}`;
  }
  return `${neg ? '-' : ''}${out}`;
}
