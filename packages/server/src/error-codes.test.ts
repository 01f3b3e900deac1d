import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { errorCatalog, isErrorCode } from '@gureum/contract';
import { describe, expect, it } from 'vitest';

// Every error `code` the server can put in a problem (or a failed task's `error`) must be a code of the contract's
// catalog: clients switch on it and docs/errors.md documents it. The codes are read from the sources, where errors
// are built: `new XxxError('CODE', …)`, `super('CODE', …)`, `('CODE', 'kind', …)`, default parameters, lease busy
// codes and task problems — including the libvirt adapter's error translation.
const SRC = import.meta.dirname;
const SCANNED = ['domain', 'services', 'http', 'ws', 'tasks', 'adapters/libvirt', 'adapters/db'];
const KINDS =
  'invalid|unauthenticated|forbidden|not_found|conflict|precondition|too_large|length_required|unprocessable|rate_limited|unavailable|internal';
const CODE = `'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)'`;
const PATTERNS = [
  new RegExp(`new [A-Za-z]*Error\\(\\s*${CODE}`, 'g'),
  new RegExp(`super\\(\\s*${CODE}`, 'g'),
  new RegExp(`${CODE},\\s*'(?:${KINDS})'`, 'g'),
  new RegExp(`code = ${CODE}`, 'g'),
  new RegExp(`[A-Za-z]*(?:Code|CODE)\\s*[:=?]+\\s*${CODE}`, 'g'),
  new RegExp(`\\?\\?\\s*${CODE}`, 'g'),
  new RegExp(`taskProblem\\(\\s*${CODE}`, 'g'),
  new RegExp(`new (?:Unauthenticated|Validation)Error\\([^;]*?,\\s*${CODE},?\\s*\\)`, 'g'),
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    const isSource = entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts');
    return isSource && !/^testing(-[a-z]+)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

function thrownCodes(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of SCANNED.flatMap((d) => sourceFiles(join(SRC, d)))) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of PATTERNS) {
      for (const match of text.matchAll(pattern)) {
        const code = match[1];
        if (code === undefined) continue;
        found.set(code, [...(found.get(code) ?? []), relative(SRC, file)]);
      }
    }
  }
  return found;
}

describe('error codes', () => {
  const codes = thrownCodes();

  it('the scan finds the codes built in every layer', () => {
    expect([...codes.keys()]).toEqual(
      expect.arrayContaining([
        'VM_NOT_FOUND', // domain helper, adapter translation
        'VM_STOP_TIMEOUT', // services
        'UNAUTHENTICATED', // default parameter
        'INVALID_CREDENTIALS', // second argument
        'IMAGE_KIND_MISMATCH', // a ValidationError's code
        'IDEMPOTENCY_KEY_MISMATCH', // http
        'TASK_CANCELLED', // super(…)
        'VM_BUSY', // lease busy code
        'RESOURCE_BUSY', // ?? default
        'VOLUME_NAME_TAKEN', // libvirt adapter
        'INTERNAL',
      ]),
    );
  });

  it('every code the server can throw is in the contract’s error catalog', () => {
    const missing = [...codes.entries()]
      .filter(([code]) => !isErrorCode(code))
      .map(([code, files]) => `${code} (${[...new Set(files)].join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('the catalog statuses are the ones the server maps the codes to', async () => {
    const { problemFromError } = await import('./tasks/index.js');
    const { AppError } = await import('./domain/errors.js');
    for (const [code, spec] of Object.entries(errorCatalog)) {
      const problem = problemFromError(new AppError(code, spec.kind, 'x'), 'r');
      expect(problem.status, code).toBe(spec.status);
      expect(problem.code, code).toBe(code);
    }
  });
});
