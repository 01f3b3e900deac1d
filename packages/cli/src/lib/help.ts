// `--help` texts, generated from the command table.
import type { FlagSpec } from './args.js';
import type { CommandSpec, NounSpec } from './command.js';

function columns(rows: readonly (readonly [string, string])[], indent = '  '): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`.trimEnd()).join('\n');
}

function flagLabel(f: FlagSpec): string {
  const names = f.short ? `-${f.short}, --${f.name}` : `    --${f.name}`;
  return f.value ? `${names} ${f.value}` : names;
}

function flagRows(flags: readonly (FlagSpec & { readonly required?: true })[]): [string, string][] {
  return flags.map((f) => [
    flagLabel(f),
    f.summary +
      (f.repeat && !f.summary.includes('repeatable') ? ' (repeatable)' : '') +
      (f.required ? ' (required)' : ''),
  ]);
}

/** `gureum vm create NAME --image ID|NAME [flags]`. */
export function usageLine(spec: CommandSpec): string {
  const args = (spec.args ?? []).map((a) => (a.optional ? `[${a.name}]` : a.name));
  const required = (spec.flags ?? [])
    .filter((f) => f.required)
    .map((f) => `--${f.name} ${f.value ?? ''}`.trimEnd());
  const optional = (spec.flags ?? []).some((f) => !f.required) ? ['[flags]'] : [];
  return ['gureum', ...spec.path, ...args, ...required, ...optional].join(' ');
}

/** What a usage error shows: the usage line and where the full help is. */
export function shortUsage(spec: CommandSpec): string {
  return `Usage: ${usageLine(spec)}\nRun \`gureum ${spec.path.join(' ')} --help\` for more.\n`;
}

/** The help of one command. */
export function commandHelp(spec: CommandSpec, globals: readonly FlagSpec[]): string {
  const parts = [`Usage: ${usageLine(spec)}`, '', spec.summary + '.'];
  if (spec.description) parts.push('', spec.description);
  if (spec.args?.length) parts.push('', 'Arguments:', columns(spec.args.map((a) => [a.name, a.summary])));
  if (spec.flags?.length) parts.push('', 'Flags:', columns(flagRows(spec.flags)));
  parts.push('', 'Global flags:', columns(flagRows(globals)));
  if (spec.examples?.length) parts.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return parts.join('\n') + '\n';
}

/** The help of a noun: its verbs. */
export function nounHelp(noun: NounSpec, commands: readonly CommandSpec[]): string {
  const verbs = commands.filter((c) => c.path[0] === noun.name && c.path.length === 2);
  return (
    [
      `Usage: gureum ${noun.name} <verb> [args] [flags]`,
      '',
      `${noun.summary}.`,
      '',
      'Verbs:',
      columns(verbs.map((c) => [c.path[1] ?? '', c.summary])),
      '',
      `Run \`gureum ${noun.name} <verb> --help\` for the arguments and flags of a verb.`,
    ].join('\n') + '\n'
  );
}

/** `gureum --help`: every noun and top-level command. */
export function rootHelp(
  nouns: readonly NounSpec[],
  commands: readonly CommandSpec[],
  globals: readonly FlagSpec[],
): string {
  const single = commands.filter((c) => c.path.length === 1);
  const nounRows = nouns.map((n): [string, string] => {
    const verbs = commands.filter((c) => c.path[0] === n.name).map((c) => c.path[1] ?? '');
    return [n.name, `${n.summary}: ${verbs.join(', ')}`];
  });
  return (
    [
      'gureum — the command-line tool of Gureum, a self-hosted IaaS for QEMU/KVM virtual machines',
      '',
      'Usage: gureum <noun> <verb> [args] [flags]',
      '       gureum <command> [args] [flags]',
      '',
      'Nouns:',
      columns(nounRows),
      '',
      'Commands:',
      columns(single.map((c) => [c.path[0], c.summary])),
      '',
      'Global flags:',
      columns(flagRows(globals)),
      '',
      'Environment: GUREUM_URL and GUREUM_TOKEN override the stored login; NO_COLOR turns colours off.',
      'Exit status: 0 success, 1 failure, 2 usage error, 130 interrupted.',
      'Run `gureum <noun> --help` or `gureum <noun> <verb> --help` for more.',
    ].join('\n') + '\n'
  );
}
