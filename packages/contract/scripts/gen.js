// Writes the generated files of the contract from its BUILT output, with no dependency beyond Node:
//   packages/contract/openapi.json   (OpenAPI 3.1 of the route table)
//   docs/errors.md                   (the error catalog)
//
// Usage, from the repository root:
//   npx tsc -b packages/contract && node packages/contract/scripts/gen.js           # write
//   npx tsc -b packages/contract && node packages/contract/scripts/gen.js --check   # exit 1 on drift
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootDir = join(pkgDir, '..', '..');
const distEntry = join(pkgDir, 'dist', 'index.js');

if (!existsSync(distEntry)) {
  process.stderr.write(
    `gen: ${relative(rootDir, distEntry)} is missing; run \`npx tsc -b packages/contract\` first\n`,
  );
  process.exit(2);
}

const contract = await import(distEntry);
const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

/** @type {{ path: string, content: string }[]} */
const outputs = [
  {
    path: join(pkgDir, 'openapi.json'),
    content: `${JSON.stringify(contract.buildOpenApi({ version }), null, 2)}\n`,
  },
  { path: join(rootDir, 'docs', 'errors.md'), content: contract.renderErrorsMarkdown() },
];

/** The first differing line of two texts, for a short drift report. */
function firstDifference(a, b) {
  const left = a.split('\n');
  const right = b.split('\n');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i]) {
      return `line ${i + 1}:\n    committed: ${left[i] ?? '<end of file>'}\n    generated: ${right[i] ?? '<end of file>'}`;
    }
  }
  return 'identical';
}

if (process.argv.includes('--check')) {
  let drift = 0;
  for (const { path, content } of outputs) {
    const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (current === content) continue;
    drift++;
    const lines = (text) => text.split('\n').length;
    process.stderr.write(
      `gen:check: ${relative(rootDir, path)} is out of date (${lines(current)} → ${lines(content)} lines); ` +
        `first difference at ${firstDifference(current, content)}\n`,
    );
  }
  if (drift > 0) {
    process.stderr.write(
      `gen:check: ${drift} generated file(s) differ; run \`npm run gen\` and commit the result\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`gen:check: ${outputs.length} generated files are up to date\n`);
} else {
  for (const { path, content } of outputs) {
    writeFileSync(path, content);
    process.stdout.write(`gen: wrote ${relative(rootDir, path)}\n`);
  }
}
