/**
 * What every command module receives: resolved global options and the UI. Command modules register
 * themselves on the program and load their heavy implementation lazily (dynamic import) inside the
 * action, so `fleetctl --help` stays fast.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Ui } from './ui.js';

export interface GlobalOptions {
  /** Path of the config file (--config, env CONFIG, default ~/.fleet/config). */
  readonly config: string;
  /** Config context (--context, env CONTEXT, default "default"). */
  readonly context: string;
  readonly debug: boolean;
}

export interface CliContext {
  readonly ui: () => Ui;
  readonly globals: () => GlobalOptions;
  readonly env: NodeJS.ProcessEnv;
}

export type CommandModule = (program: Command, ctx: CliContext) => void;

export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  return join(env['HOME'] ?? homedir(), '.fleet', 'config');
}

/**
 * Adds --config/--context to a subcommand too, so both `fleetctl --context prod get …` and Fleet's
 * usual `fleetctl … --context prod` work. The subcommand's value wins over the global one.
 */
export function addConfigOptions(cmd: Command): Command {
  return cmd
    .option('--config <path>', 'path to the fleetctl config file (env CONFIG, default ~/.fleet/config)')
    .option('--context <name>', 'name of the config context to use (env CONTEXT, default "default")');
}

export function resolveConfigOptions(ctx: CliContext, local: { config?: string; context?: string }): GlobalOptions {
  const g = ctx.globals();
  return { ...g, config: local.config ?? g.config, context: local.context ?? g.context };
}
