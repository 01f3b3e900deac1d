/**
 * Import rules between layers and packages (STYLE.md §2.2). Enforced in CI as a gate of scripts/test.sh.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const S = '^packages/server/src';
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Runtime import cycles; a type-only back-reference is harmless.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'libvirt-zero-deps',
      comment: 'The libvirt client has no runtime dependency: Node built-ins only.',
      severity: 'error',
      from: { path: '^packages/libvirt/src', pathNot: '\\.test\\.ts$|/testing/' },
      to: { dependencyTypesNot: ['local', 'core', 'type-only'] },
    },
    {
      name: 'contract-browser-safe',
      comment: 'The contract runs in browsers: TypeBox only, no Node APIs.',
      severity: 'error',
      from: { path: '^packages/contract/src', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'client-only-contract',
      severity: 'error',
      from: { path: '^packages/client/src', pathNot: '\\.test\\.ts$|/test/' },
      to: { path: '^packages/(server|libvirt|libvirt-xml)/' },
    },
    {
      name: 'cli-only-client-contract',
      severity: 'error',
      from: { path: '^packages/cli/src', pathNot: '\\.test\\.ts$|/test/' },
      to: { path: '^packages/(server|libvirt|libvirt-xml|test-support|e2e)/' },
    },
    {
      name: 'web-only-client-contract',
      comment: 'The web app talks to the server through the typed client only.',
      severity: 'error',
      from: { path: '^packages/web/src', pathNot: '\\.test\\.tsx?$|/test/' },
      to: { path: '^packages/(server|libvirt|libvirt-xml|test-support|e2e|cli)/' },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      from: { path: `${S}/domain/` },
      to: {
        path: [
          `${S}/(ports|adapters|http|ws|services|tasks)/`,
          'node_modules/(fastify|kysely)',
          '^packages/libvirt',
        ],
      },
    },
    {
      name: 'services-through-ports',
      comment: 'Services reach libvirt and the database only through ports.',
      severity: 'error',
      from: { path: `${S}/services/`, pathNot: '\\.test\\.ts$' },
      to: {
        path: [
          `${S}/(adapters|http|ws)/`,
          'node_modules/(fastify|kysely|pg|better-sqlite3)',
          '^packages/libvirt',
        ],
      },
    },
    {
      name: 'tasks-through-ports',
      severity: 'error',
      from: { path: `${S}/tasks/`, pathNot: '\\.test\\.ts$' },
      to: {
        path: [`${S}/(adapters|http|ws|services)/`, 'node_modules/(fastify|kysely)', '^packages/libvirt'],
      },
    },
    {
      name: 'edge-not-adapters',
      comment: 'HTTP and WebSocket code calls services, never adapters, kysely or libvirt.',
      severity: 'error',
      from: { path: `${S}/(http|ws)/`, pathNot: '\\.test\\.ts$' },
      to: { path: [`${S}/adapters/`, 'node_modules/kysely', '^packages/libvirt'] },
    },
    {
      name: 'libvirt-adapter-isolated',
      severity: 'error',
      from: { path: `${S}/adapters/libvirt/` },
      to: { path: [`${S}/(http|ws|adapters/db)/`] },
    },
    {
      name: 'db-adapter-isolated',
      severity: 'error',
      from: { path: `${S}/adapters/db/` },
      to: { path: [`${S}/(http|ws|adapters/libvirt)/`, '^packages/libvirt'] },
    },
    {
      name: 'nothing-imports-the-composition-root',
      severity: 'error',
      from: { pathNot: [`${S}/(main|index|bin/)`, `${S}/testing/`, '\\.test\\.ts$'] },
      to: { path: `${S}/(main|server)\\.ts$` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^packages/[^/]+/dist/' },
    tsConfig: { fileName: 'tsconfig.base.json' },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'types', 'default'],
    },
  },
};
