/**
 * Builds the commander program. Tests call createProgram() in-process; main.ts runs it for real.
 */
import { Command, Option } from 'commander';
import { createRequire } from 'node:module';
import { COMMANDS } from './commands/index.js';
import { defaultConfigPath, type CliContext, type GlobalOptions } from './context.js';
import { createUi, type Ui } from './ui.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

export interface ProgramIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
}

export function createProgram(io: ProgramIo): { program: Command; ui: () => Ui; globals: () => GlobalOptions } {
  const env = io.env;
  const program = new Command('fleetctl');
  // Global options must come before the subcommand: `package --debug` is orbit's own debug flag.
  program.enablePositionalOptions();
  program
    .description('fleetctl: build fleetd installers, manage TUF update repositories and talk to a Fleet server')
    .version(version, '-v, --version', 'print the fleetctl version')
    .addOption(new Option('--config <path>', 'path to the fleetctl config file').env('CONFIG').default(defaultConfigPath(env), '~/.fleet/config'))
    .addOption(new Option('--context <name>', 'name of the config context to use').env('CONTEXT').default('default'))
    .addOption(new Option('--debug', 'show stack traces and debug output').env('FLEETCTL_DEBUG'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  if (io.stdout !== undefined || io.stderr !== undefined) {
    const out = io.stdout ?? process.stdout;
    const err = io.stderr ?? process.stderr;
    program.configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  }

  const globals = (): GlobalOptions => {
    const o = program.opts<{ config: string; context: string; debug?: boolean }>();
    return { config: o.config, context: o.context, debug: o.debug === true };
  };
  let ui: Ui | undefined;
  const getUi = (): Ui => {
    ui ??= createUi({ debug: globals().debug, ...(io.stdout ? { stdout: io.stdout } : {}), ...(io.stderr ? { stderr: io.stderr } : {}) });
    return ui;
  };
  const ctx: CliContext = { ui: getUi, globals, env };
  for (const register of COMMANDS) {
    register(program, ctx);
  }
  // Subcommands inherit exitOverride and output settings so errors reach main's single handler.
  const inherit = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride();
      sub.showHelpAfterError('(run with --help for usage)');
      if (io.stdout !== undefined || io.stderr !== undefined) {
        const out = io.stdout ?? process.stdout;
        const err = io.stderr ?? process.stderr;
        sub.configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
      }
      inherit(sub);
    }
  };
  inherit(program);
  return { program, ui: getUi, globals };
}
