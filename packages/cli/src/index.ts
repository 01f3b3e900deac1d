/**
 * @gureum/cli — the `gureum` command-line tool. Programs run it as `gureum …`; tests (and embedders) may call
 * `main(argv, io)` in-process. Every command goes through `@gureum/client`.
 */
export { main, version } from './main.js';
export { COMMANDS, GLOBAL_FLAGS, NOUNS } from './commands/table.js';
export type { CommandSpec, NounSpec } from './lib/command.js';
export type { Io, OutStream, InStream } from './lib/io.js';
export { nodeIo } from './lib/io.js';
