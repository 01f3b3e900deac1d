// Argument parsing, hand-rolled (no dependency): `--flag value`, `--flag=value`, `-f value`, boolean switches,
// repeatable flags, and `--` to end flags. Anything the spec does not declare is a usage error.
import { UsageError } from './errors.js';
import { parseDuration, parseSize } from './units.js';

/** A flag of a command. Without `value` it is a boolean switch. */
export interface FlagSpec {
  /** The long name, without `--`. */
  readonly name: string;
  /** A one-letter alias, without `-`. */
  readonly short?: string;
  /** The placeholder of its value in help (`SIZE`, `ID`); absent for switches. */
  readonly value?: string;
  /** May be given several times; every value is kept. */
  readonly repeat?: true;
  /** The allowed values (checked, shown in help, completed by the shell). */
  readonly choices?: readonly string[];
  /** The value is a file path (for shell completion). */
  readonly file?: true;
  readonly summary: string;
}

/** A positional argument. */
export interface ArgSpec {
  /** Upper-case placeholder: `NAME`, `ID|NAME`, `FILE`. */
  readonly name: string;
  readonly summary: string;
  readonly optional?: true;
  /** A file path (for shell completion). */
  readonly file?: true;
  readonly choices?: readonly string[];
}

/** The raw result of parsing: positionals, values of value flags, and the switches given. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly switches: ReadonlySet<string>;
}

/** Finds the spec of a `--long` or `-s` flag. */
export function findFlag(flags: readonly FlagSpec[], token: string): FlagSpec | undefined {
  if (token.startsWith('--')) return flags.find((f) => f.name === token.slice(2));
  if (/^-[A-Za-z]$/.test(token)) return flags.find((f) => f.short === token.slice(1));
  return undefined;
}

function looksLikeFlag(token: string): boolean {
  return token.length > 1 && token.startsWith('-') && !/^-\d/.test(token);
}

/**
 * Parses tokens against flag specs. `--` ends flags (everything after it is positional); `-` alone is positional.
 * A value flag takes the next token unless that looks like a flag (write `--name=-x` for such values).
 *
 * @throws UsageError on an unknown flag, a missing value, a value for a switch, or a value not among `choices`.
 */
export function parseArgs(tokens: readonly string[], flags: readonly FlagSpec[], usage?: string): ParsedArgs {
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (token === '--') {
      positionals.push(...tokens.slice(i + 1));
      break;
    }
    if (!looksLikeFlag(token)) {
      positionals.push(token);
      continue;
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const name = eq === -1 ? token : token.slice(0, eq);
    const spec = findFlag(flags, name);
    if (!spec) throw new UsageError(`unknown flag ${name}`, usage);
    const shown = `--${spec.name}`;
    if (!spec.value) {
      if (eq !== -1) throw new UsageError(`${shown} takes no value`, usage);
      switches.add(spec.name);
      continue;
    }
    let value: string;
    if (eq !== -1) value = token.slice(eq + 1);
    else {
      const next = tokens[i + 1];
      if (next === undefined || looksLikeFlag(next) || next === '--')
        throw new UsageError(`${shown} needs a value (${spec.value})`, usage);
      value = next;
      i++;
    }
    if (spec.choices && !spec.choices.includes(value))
      throw new UsageError(
        `${shown} must be one of ${spec.choices.join(', ')} (got ${JSON.stringify(value)})`,
        usage,
      );
    const list = values.get(spec.name) ?? [];
    values.set(spec.name, spec.repeat ? [...list, value] : [value]);
  }
  return { positionals, values, switches };
}

/**
 * A command's parsed input with typed, validated accessors. Asking for a flag or argument the command does not
 * declare is a programming error (it throws), so the command table and the handlers cannot drift apart.
 */
export class Input {
  constructor(
    private readonly flags: readonly FlagSpec[],
    private readonly args: readonly ArgSpec[],
    private readonly parsed: ParsedArgs,
    private readonly usage?: string,
  ) {}

  private spec(name: string): FlagSpec {
    const spec = this.flags.find((f) => f.name === name);
    if (!spec) throw new Error(`internal: flag --${name} is not declared by this command`);
    return spec;
  }

  /** Throws a usage error (exit 2) that shows this command's usage. */
  usageError(message: string): never {
    throw new UsageError(message, this.usage);
  }

  /** A positional argument by its placeholder name; required ones are checked before the handler runs. */
  arg(name: string): string {
    const value = this.optionalArg(name);
    if (value === undefined) this.usageError(`missing ${name}`);
    return value;
  }

  optionalArg(name: string): string | undefined {
    const index = this.args.findIndex((a) => a.name === name);
    if (index === -1) throw new Error(`internal: argument ${name} is not declared by this command`);
    return this.parsed.positionals[index];
  }

  /** A switch was given. */
  has(name: string): boolean {
    this.spec(name);
    return this.parsed.switches.has(name);
  }

  /** The value of a flag (the last one when given twice), or `undefined`. */
  string(name: string): string | undefined {
    this.spec(name);
    return this.parsed.values.get(name)?.at(-1);
  }

  /** Every value of a repeatable flag, in order. */
  strings(name: string): readonly string[] {
    this.spec(name);
    return this.parsed.values.get(name) ?? [];
  }

  /** A value among the flag's `choices`, typed as `values` (the same list). */
  choice<const T extends string>(name: string, values: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const found = values.find((v) => v === value);
    return found ?? this.usageError(`--${name} must be one of ${values.join(', ')}`);
  }

  /** An integer flag within bounds. */
  int(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max)
      this.usageError(
        `--${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`,
      );
    return n;
  }

  /** A size flag (`512M`, `2G`, bytes). */
  size(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    return (
      parseSize(value) ??
      this.usageError(`--${name}: ${JSON.stringify(value)} is not a size (like 512M, 2G, 1T)`)
    );
  }

  /** A duration flag in milliseconds (`60s`, `5m`, `30d`; a bare number is seconds). */
  duration(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    return (
      parseDuration(value) ??
      this.usageError(`--${name}: ${JSON.stringify(value)} is not a duration (like 60s, 5m, 30d)`)
    );
  }

  /** A limit flag: `none` (unlimited → `null`) or what `parse` reads. */
  limit(name: string, parse: (name: string) => number | undefined): number | null | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    return value.toLowerCase() === 'none' ? null : parse(name);
  }
}
