/**
 * Entry point: parse → run → handle errors → exit code. The only place that decides the exit code.
 */
import { createProgram, type ProgramIo } from './program.js';
import { handleError } from './handle-error.js';

export async function main(argv: readonly string[], io: ProgramIo = { env: process.env }): Promise<number> {
  const { program, ui, globals } = createProgram(io);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    let debug = false;
    try {
      debug = globals().debug;
    } catch {
      debug = false;
    }
    return handleError(e, ui(), debug);
  }
}
