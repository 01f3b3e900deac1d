import type { ArgSpec, FlagSpec, Input } from './args.js';
import type { Context } from './context.js';

/** What a handler returns: an exit code, or nothing for success. */
export type CommandResult = number | undefined;

/**
 * One command of the command table: `gureum <path…> [args] [flags]`. Help, shell completion and argument
 * checking are all generated from these entries.
 */
export interface CommandSpec {
  /** `['vm', 'list']`, or `['login']` for a command without a noun. */
  readonly path: readonly [string] | readonly [string, string];
  readonly summary: string;
  /** More text for `--help`. */
  readonly description?: string;
  readonly args?: readonly ArgSpec[];
  readonly flags?: readonly (FlagSpec & { readonly required?: true })[];
  readonly examples?: readonly string[];
  readonly run: (ctx: Context, input: Input) => Promise<CommandResult>;
}

/** A noun: a group of commands (`vm`, `image`, …). */
export interface NounSpec {
  readonly name: string;
  readonly summary: string;
}
