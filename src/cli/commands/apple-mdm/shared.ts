/** Helpers shared by the apple-mdm subcommands: an API client from the context, and plain tables. */
import type { FleetClient } from '../../../fleet-api/client.js';
import { resolveConfigOptions, type CliContext, type GlobalOptions } from '../../context.js';

export interface ConfigFlags {
  config?: string;
  context?: string;
  json?: boolean;
}

/** Opens a client for the selected context, runs `fn`, and always releases the connection pool. */
export async function withClient<T>(
  ctx: CliContext,
  flags: ConfigFlags,
  fn: (client: FleetClient, g: GlobalOptions) => Promise<T>,
): Promise<T> {
  const g = resolveConfigOptions(ctx, flags);
  const ui = ctx.ui();
  const { openFleetClient } = await import('../../../fleet-api/from-config.js');
  const { client } = await openFleetClient({ configPath: g.config, context: g.context, debug: (l) => ui.debug(l) });
  try {
    return await fn(client, g);
  } finally {
    await client.close();
  }
}

/** A plain text table: a header row, a dashed rule, left-aligned columns, newlines flattened. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const clean = (s: string): string => s.replace(/[\r\n\t]+/g, ' ');
  const all = [header.map(clean), ...rows.map((r) => r.map(clean))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(all[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export async function parseTeamId(raw: string | undefined): Promise<number | undefined> {
  if (raw === undefined) {
    return undefined;
  }
  if (!/^[0-9]+$/.test(raw.trim())) {
    const { UsageError } = await import('../../../core/errors.js');
    throw new UsageError('E_USAGE', `invalid --team-id ${JSON.stringify(raw)}: expected a team number (0 = no team)`);
  }
  return Number(raw.trim());
}
