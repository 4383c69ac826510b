/**
 * Entry point: parse → run → handle errors → exit code. The only place that decides the exit code.
 */
import { createProgram, type ProgramIo } from './program.js';
import { handleError } from './handle-error.js';

/** Whether --debug is on; commander may not have parsed the globals when parsing itself failed. */
function debugEnabled(globals: () => { debug: boolean }): boolean {
  try {
    return globals().debug;
  } catch {
    return false;
  }
}

export async function main(argv: readonly string[], io: ProgramIo = { env: process.env }): Promise<number> {
  const { program, ui, globals } = createProgram(io);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    return handleError(e, ui(), debugEnabled(globals));
  }
}
