#!/usr/bin/env node
// Thin shim: all logic lives in the compiled CLI.
import module from 'node:module';

// Node 22+ can cache compiled code between runs (faster start-up); Node 20 has no such API.
module.enableCompileCache?.();
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv);
