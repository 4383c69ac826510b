/**
 * All human output goes through here: messages on stderr, machine output (--json) on stdout, colour
 * only on a TTY (and never with NO_COLOR), spinners degrade to plain lines when not on a TTY or in CI.
 */
import chalk from 'chalk';
import type { Ora } from 'ora';

export interface Ui {
  info(msg: string): void;
  success(msg: string): void;
  warn(msg: string): void;
  error(msg: string, hint?: string): void;
  debug(msg: string): void;
  /** Machine-readable output on stdout. */
  json(value: unknown): void;
  /** Plain result text on stdout (tables, values). */
  out(text: string): void;
  /** Starts a spinner (or prints a plain line when not interactive); returns a stage updater. */
  spinner(text: string): Promise<Spinner>;
}

export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

export interface UiOptions {
  readonly debug: boolean;
  readonly quiet?: boolean;
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
}

function interactive(stream: NodeJS.WritableStream): boolean {
  return Boolean((stream as NodeJS.WriteStream).isTTY) && process.env['CI'] !== 'true' && process.env['TERM'] !== 'dumb';
}

export function createUi(opts: UiOptions): Ui {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  if (process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '') {
    chalk.level = 0;
  } else if (!(stderr as NodeJS.WriteStream).isTTY) {
    chalk.level = 0;
  }
  const line = (s: string): void => {
    if (!opts.quiet) {
      stderr.write(`${s}\n`);
    }
  };
  return {
    info: (m) => line(m),
    success: (m) => line(chalk.green(m)),
    warn: (m) => line(chalk.yellow(`Warning: ${m}`)),
    error: (m, hint) => {
      stderr.write(`${chalk.red(`Error: ${m}`)}\n`);
      if (hint !== undefined) {
        stderr.write(`${chalk.dim(`Hint: ${hint}`)}\n`);
      }
    },
    debug: (m) => {
      if (opts.debug) {
        stderr.write(`${chalk.dim(`[debug] ${m}`)}\n`);
      }
    },
    json: (v) => {
      stdout.write(`${JSON.stringify(v, null, 2)}\n`);
    },
    out: (t) => {
      stdout.write(t.endsWith('\n') ? t : `${t}\n`);
    },
    spinner: async (text): Promise<Spinner> => {
      if (opts.quiet || !interactive(stderr)) {
        line(text);
        let last = text;
        return {
          update: (t) => {
            if (t !== last) {
              last = t;
              line(t);
            }
          },
          succeed: (t) => line(t ?? last),
          fail: (t) => line(t ?? last),
          stop: () => {},
        };
      }
      // ora is only loaded when a real terminal will show it.
      const { default: ora } = await import('ora');
      const s: Ora = ora({ text, stream: stderr as NodeJS.WriteStream }).start();
      return {
        update: (t) => {
          s.text = t;
        },
        succeed: (t) => {
          s.succeed(t);
        },
        fail: (t) => {
          s.fail(t);
        },
        stop: () => {
          s.stop();
        },
      };
    },
  };
}
