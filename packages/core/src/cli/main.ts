#!/usr/bin/env node
/** The `srm` bin: runs {@link main} on the process arguments and exits with its code. */
import { main } from './cli.js';
import { processIo } from './io.js';

void main(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
