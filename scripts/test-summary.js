// Sums every suite's results into the one closing line CI reads: "N passed, N failed[, N skipped]".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, gatesPassed = '0', gatesFailed = '0', ...failedGates] = process.argv.slice(2);
let passed = Number(gatesPassed);
let failed = Number(gatesFailed);
let skipped = 0;
const problems = failedGates.map((g) => `gate failed: ${g}`);

for (const file of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : []) {
  let report;
  try {
    report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  } catch {
    failed += 1;
    problems.push(`unreadable report: ${file}`);
    continue;
  }
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that fails to load has no failed test but is a failure all the same.
  for (const suite of report.testResults ?? []) {
    const failedInside = (suite.assertionResults ?? []).some((a) => a.status === 'failed');
    if (suite.status === 'failed' && !failedInside) {
      failed += 1;
      problems.push(`suite failed to run: ${suite.name}`);
    } else if (failedInside) {
      for (const a of suite.assertionResults)
        if (a.status === 'failed') problems.push(`failed: ${a.fullName}`);
    }
  }
}
if (!existsSync(join(dir, 'vitest.json'))) {
  failed += 1;
  problems.push('vitest produced no report');
}
if (problems.length > 0) {
  console.log('\nProblems:');
  for (const p of problems) console.log(`  - ${p}`);
}
console.log('');
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
