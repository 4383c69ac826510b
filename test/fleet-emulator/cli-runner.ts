/**
 * Runs the built CLI (`bin/fleetctl.js`) as a child process for end-to-end tests, with HOME pointed
 * at a temporary directory and none of the caller's fleetctl environment leaking in. Asynchronous on
 * purpose: the emulator lives in the test process and must keep serving while the CLI runs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const BIN = fileURLToPath(new URL('../../bin/fleetctl.js', import.meta.url));

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliSandbox {
  readonly home: string;
  readonly configPath: string;
  run(args: readonly string[], opts?: { env?: Record<string, string>; cwd?: string; input?: string }): Promise<RunResult>;
  /** The config file parsed, after checking it is valid YAML with mode 0600. */
  config(): Record<string, unknown>;
}

const LEAKY = [
  'CONFIG',
  'CONTEXT',
  'ADDRESS',
  'EMAIL',
  'TOKEN',
  'PASSWORD',
  'INSECURE',
  'ROOTCA',
  'URL_PREFIX',
  'CUSTOM_HEADER',
  'FLEETCTL_DEBUG',
];

export function cliSandbox(): CliSandbox {
  const home = mkdtempSync(join(tmpdir(), 'fleetctl-home-'));
  const configPath = join(home, '.fleet', 'config');
  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !LEAKY.includes(k)) {
      baseEnv[k] = v;
    }
  }
  baseEnv['HOME'] = home;
  baseEnv['NO_COLOR'] = '1';
  return {
    home,
    configPath,
    run: (args, opts = {}) =>
      new Promise<RunResult>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...args], {
          cwd: opts.cwd ?? home,
          env: { ...baseEnv, ...opts.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(opts.input ?? '');
      }),
    config: () => {
      const st = statSync(configPath);
      if ((st.mode & 0o777) !== 0o600) {
        throw new Error(`config mode is ${(st.mode & 0o777).toString(8)}, expected 600`);
      }
      const v: unknown = parse(readFileSync(configPath, 'utf8'));
      return (v ?? {}) as Record<string, unknown>;
    },
  };
}

/** No stack trace and a single `Error:` line (plus an optional hint). */
export function expectCleanError(r: RunResult): string {
  if (r.code === 0) {
    throw new Error(`expected failure, got success: ${r.stdout}${r.stderr}`);
  }
  if (/\n\s+at .+:\d+:\d+/.test(r.stderr) || r.stderr.includes('This is a bug')) {
    throw new Error(`unexpected stack trace or internal error:\n${r.stderr}`);
  }
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error: '));
  if (errors.length !== 1) {
    throw new Error(`expected exactly one Error: line, got:\n${r.stderr}`);
  }
  return errors[0] ?? '';
}
