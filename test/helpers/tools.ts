/**
 * Verify tests run real third-party tools. Locally a missing tool skips the test; in CI (CI=true or
 * REQUIRE_TOOLS=1) a missing tool FAILS, so a green CI always means the tools really ran.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';

export const REQUIRE_TOOLS = process.env['CI'] === 'true' || process.env['REQUIRE_TOOLS'] === '1';

export function hasTool(name: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0;
}

/**
 * Returns true when all tools exist. When one is missing: throws in CI, returns false locally
 * (use with `describe.runIf(tools(...))` / `it.runIf`).
 */
export function tools(...names: string[]): boolean {
  const missing = names.filter((n) => !hasTool(n));
  if (missing.length === 0) {
    return true;
  }
  if (REQUIRE_TOOLS) {
    throw new Error(`verify tools missing in CI: ${missing.join(', ')} (install them in .ci/run)`);
  }
  return false;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool and returns its output without throwing. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer } = {}): RunResult {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) {
    throw r.error;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a tool and throws with its stderr when it exits non-zero. */
export function runOk(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer } = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  }
  return r.stdout;
}

/** Shell pipeline helper for verify tests (e.g. `rpm2cpio x | cpio -it`). */
export function sh(script: string, cwd?: string): string {
  return execFileSync('bash', ['-o', 'pipefail', '-c', script], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}
