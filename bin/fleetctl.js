#!/usr/bin/env node
// Thin shim: all logic lives in the compiled CLI.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
