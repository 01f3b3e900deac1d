#!/usr/bin/env node
// The `gureum` executable.
import { main } from '../main.js';
import { nodeIo } from '../lib/io.js';

// `gureum vm list | head -1`: a closed pipe ends the program quietly instead of with an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });

const code = await main(process.argv.slice(2), nodeIo());
// Exit now: an abandoned request (after Ctrl-C) or an idle keep-alive socket must not keep the process alive.
// Writes to pipes and files are synchronous on Linux, so nothing printed is lost.
process.exit(code);
