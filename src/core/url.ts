/**
 * URL parsing for flags: `new URL` throws on bad input, and most flags also require http(s). Callers
 * keep their own messages (which name the flag); these two helpers keep the checks the same everywhere.
 */

export function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export function isHttpUrl(u: URL): boolean {
  return u.protocol === 'http:' || u.protocol === 'https:';
}
