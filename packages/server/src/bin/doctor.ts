#!/usr/bin/env node
/** `npm run doctor`: the preflight report (libvirt, KVM/TCG, storage, free space, database) with what to do. */
import { loadConfig } from '../config/config.js';
import { renderReport } from '../preflight/checks.js';
import { runDoctor } from '../preflight/doctor.js';

const json = process.argv.includes('--json');
const results = await runDoctor(loadConfig());
if (json) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  process.exitCode = results.some((r) => r.status === 'fail') ? 1 : 0;
} else {
  const { text, exitCode } = renderReport(results, process.stdout.isTTY);
  process.stdout.write(`${text}\n`);
  process.exitCode = exitCode;
}
