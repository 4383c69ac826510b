/**
 * Secrets must never reach logs, errors or --debug output. Code registers each secret value it
 * handles (enroll secrets, tokens, passphrases, keys) with `registerSecret`; `redact` then masks
 * every occurrence in any text on its way out. Known secret-bearing patterns are masked as well,
 * so a secret that was never registered is still caught in the common shapes.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= 4) {
    secrets.add(value);
  }
}

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/(ORBIT_ENROLL_SECRET=)[^\s"]+/g, '$1***'],
  [/(enroll[-_]secret(?:"\s*:\s*"|=))[^\s"',}]+/gi, '$1***'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1***'],
  [/(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----)/g, '$1***$2'],
  // key=value and JSON "key":"value" shapes only: prose such as "token: not found" stays readable.
  [/((?:passphrase|password|token|secret)(?:"\s*:\s*"|=))[^\s"',}]+/gi, '$1***'],
];

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    out = out.split(s).join('***');
  }
  for (const [re, rep] of PATTERNS) {
    out = out.replace(re, rep);
  }
  return out;
}
