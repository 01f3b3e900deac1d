#!/usr/bin/env node
// Checks the web app's initial JavaScript (the entry script and the chunks index.html preloads) against its
// budget, gzipped: `node packages/web/scripts/bundle-size.js [--max-kb 300]`. Lazy chunks (the consoles) are
// listed but not counted. Run after `npm run build -w @gureum/web`.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const args = process.argv.slice(2);
const maxIndex = args.indexOf('--max-kb');
const maxKb = maxIndex >= 0 ? Number(args[maxIndex + 1]) : 300;

let html;
try {
  html = readFileSync(join(dist, 'index.html'), 'utf8');
} catch {
  console.error(`no build at ${dist}: run npm run build -w @gureum/web first`);
  process.exit(1);
}
const initial = new Set(
  [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g)].map(
    (m) => m[1],
  ),
);
const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
let total = 0;
for (const file of initial) {
  const size = gz(file);
  total += size;
  console.log(`initial  ${(size / 1024).toFixed(1).padStart(7)} KB gzip  ${file}`);
}
for (const file of readdirSync(join(dist, 'assets'))) {
  if (file.endsWith('.js') && !initial.has(`assets/${file}`))
    console.log(`lazy     ${(gz(`assets/${file}`) / 1024).toFixed(1).padStart(7)} KB gzip  assets/${file}`);
}
console.log(`initial JS: ${(total / 1024).toFixed(1)} KB gzip (budget ${maxKb} KB)`);
if (initial.size === 0 || total > maxKb * 1024) {
  console.error(initial.size === 0 ? 'no initial script found in index.html' : 'over budget');
  process.exit(1);
}
