import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests (the "source" export condition), so tests
// never run against a stale build.
function sourceAliases(): { find: string; replacement: string }[] {
  const out: { find: string; replacement: string }[] = [];
  const root = resolve(import.meta.dirname, 'packages');
  for (const dir of readdirSync(root)) {
    const pkgFile = join(root, dir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
      name: string;
      exports?: Record<string, { source?: string }>;
    };
    for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
      if (!target.source) continue;
      const name = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
      out.push({ find: name, replacement: join(root, dir, target.source) });
    }
  }
  // Longest names first so '@gureum/libvirt/testing' wins over '@gureum/libvirt'.
  return out
    .sort((a, b) => b.find.length - a.find.length)
    .map((a) => ({ ...a, find: new RegExp(`^${a.find}$`) })) as never;
}

export default defineConfig({
  resolve: { alias: sourceAliases() },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/*/src/**/*.test.tsx',
            'packages/*/test/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
          testTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: ['packages/*/src/**/*.int.test.ts', 'packages/*/test/**/*.int.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          // Integration files share one libvirtd (and some restart it): run them one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
