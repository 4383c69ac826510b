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
  // The AWS SDK warns on every run under Node 20 about its own future support policy; users cannot act
  // on it (fleetctl pins the SDK), so it is silenced unless the operator set the variable themselves.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const { program, ui, globals } = createProgram(io);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    return handleError(e, ui(), debugEnabled(globals));
  }
}
