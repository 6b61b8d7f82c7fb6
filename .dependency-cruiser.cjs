// The dependency rule (DESIGN.md section 6, STYLE.md rule 1), checked by `npm run arch`.
// The domain imports only the platform's core at run time (it may name its own system's
// contract types with `import type`, which is erased); the application may use the domain, core and
// ports but no adapter or driver; only adapters/ and main.ts reach drivers and platform
// adapters; a service never imports another service (systems share only contracts/);
// packages/ never import the code that stands on them; packages form no cycle.
//
// Every path below is relative to the repository root. `systems` also matches the fake system
// under test/fixtures/arch/, which breaks these rules on purpose so that scripts/arch-check.mjs
// can prove the rules catch what they claim to.

const systems = '^(?:test/fixtures/arch/)?systems/';
const testFile = '\\.test\\.ts$';

/** Libraries that talk to the outside world: storage, brokers, HTTP, logs, metrics. */
const driverPackages = [
  'kysely',
  'pg',
  'pg-[^/]+',
  'mysql2',
  'ioredis',
  '@platformatic/kafka',
  'kafkajs',
  'fastify',
  '@fastify/[^/]+',
  'undici',
  'pino',
  'prom-client',
  'better-sqlite3',
  '@electric-sql/pglite',
];
const drivers = `(^|/)node_modules/(${driverPackages.join('|')})/`;
/** Node's own I/O: files, processes, sockets, databases. */
const nodeIo = '^(node:)?(sqlite|fs|fs/promises|child_process|cluster|worker_threads|net|tls|dgram|dns|http|https|http2)$';
/** Platform packages that are adapters (they own drivers); @eventide/messaging holds the ports. */
const platformAdapters = '^packages/(store|outbox|messaging-kafka|service-host|http-client)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-imports-only-core',
      comment: 'A domain is pure decisions: it imports @eventide/core and its own domain files, nothing else (specs beside it may use node:test).',
      severity: 'error',
      from: { path: `${systems}([^/]+)/([^/]+)/src/domain/`, pathNot: testFile },
      to: { pathNot: [`${systems}$1/$2/src/domain/`, '^packages/core/', `${systems}$1/contracts/`] },
    },
    {
      name: 'domain-names-contracts-only-as-types',
      comment: "A domain may name its system's published types (statuses, payloads) with `import type`, never load the contracts module.",
      severity: 'error',
      from: { path: `${systems}([^/]+)/[^/]+/src/domain/`, pathNot: testFile },
      to: { path: `${systems}$1/contracts/`, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'application-not-to-adapters',
      comment: 'Use cases depend on ports; the adapters implement them and main.ts wires them, never the other way round.',
      severity: 'error',
      from: { path: `${systems}([^/]+)/([^/]+)/src/application/` },
      to: { path: `${systems}$1/$2/src/(adapters/|main\\.ts$|service\\.ts$)` },
    },
    {
      name: 'drivers-only-in-adapters',
      comment: 'Only adapters/ and the composition root (main.ts, service.ts) import drivers, Node I/O modules and the platform adapter packages.',
      severity: 'error',
      from: { path: `${systems}[^/]+/[^/]+/src/`, pathNot: `/src/(adapters/|main\\.ts$|service\\.ts$)` },
      to: { path: [drivers, nodeIo, platformAdapters] },
    },
    {
      name: 'no-cross-service-imports',
      comment: "A service never imports another service's code; what systems share is systems/<system>/contracts/.",
      severity: 'error',
      from: { path: `${systems}([^/]+)/([^/]+)/(src|test)/` },
      to: { path: systems, pathNot: [`${systems}$1/$2/`, `${systems}[^/]+/contracts/`] },
    },
    {
      name: 'packages-not-to-apps',
      comment: 'The platform knows nothing of what stands on it.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^(systems|gateway|auth|runner)/' },
    },
    {
      name: 'no-circular-packages',
      comment: 'Packages form a DAG: a cycle that leaves a package and comes back is forbidden.',
      severity: 'error',
      from: { path: '^packages/([^/]+)/' },
      to: { circular: true, via: { pathNot: '^packages/$1/' } },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve would slip past every rule above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(\\.data|\\.infra|coverage)/' },
    moduleSystems: ['es6', 'cjs'],
    // Type-only imports count: a domain that names a Kysely type already depends on Kysely.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
