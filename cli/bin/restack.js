#!/usr/bin/env node
// The `restack` binary: a thin launcher for the compiled CLI.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
