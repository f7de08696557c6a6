/**
 * The layering of the code, checked by `npm run lint` (dependency-cruiser). From the bottom up:
 *
 *   contracts/  what other services and languages rely on: event schemas, topics and keys, ids, search attributes,
 *               task queues, the order workflow's id, input, query and signal, every HTTP service's schemas and
 *               OpenAPI paths. Imports nothing but schema libraries.
 *   core/       plumbing that knows no business: config, logger, process lifecycle, Kafka / Mongo / Temporal
 *               connections, readiness, HTTP helpers, the event consumer, DLQ, backoff, the poll loop.
 *   domain/     the business and its storage: orders, catalogue and pricing, stock, payments.
 *   processes   api/, relay/ (the outbox relay), bridge/, workers/, activities/, workflows/, consumers/<service>/,
 *               ops/: each imports the layers below and never another process's insides (workers wire their
 *               activities and workflows).
 *   tools/      the harness that runs, measures and attacks the product: stack/ (local servers, dev tools),
 *               bench/, chaos/ and fuzz/. It ships nothing; the product never imports it.
 *   console/    the operator console, a browser page: it talks to the services over HTTP and takes only the
 *               *types* of their contracts.
 *
 * Nothing imports test/, and nothing imports in a circle.
 */
const PROCESSES = '(api|relay|bridge|workers|activities|workflows|consumers|ops)';
const TOOLING = '(tools)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle of imports has no bottom: split the shared part out, or pass it in.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'nothing-imports-tests',
      severity: 'error',
      comment: 'Test code serves the tests; whatever the system needs lives in its own folder.',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'contracts-import-only-schemas',
      severity: 'error',
      comment:
        'Contracts are what other services and languages rely on: other contracts, zod, the Temporal SDK’s ' +
        'definition helpers, and node:crypto for deterministic ids. No plumbing, no business, no process.',
      from: { path: '^contracts/' },
      to: {
        pathNot: [
          '^contracts/',
          '^node_modules/zod/',
          '^node_modules/@temporalio/(common|workflow)/',
          '^(node:)?crypto$',
        ],
      },
    },
    {
      name: 'core-knows-no-business',
      severity: 'error',
      comment:
        'Plumbing depends on contracts and libraries only; the business and the processes depend on it.',
      from: { path: '^core/' },
      to: { path: `^(domain|${PROCESSES.slice(1, -1)}|${TOOLING.slice(1, -1)})/` },
    },
    {
      name: 'domain-imports-no-process',
      severity: 'error',
      comment: 'Processes import the domain; the domain imports no process (nor the tooling).',
      from: { path: '^domain/' },
      to: { path: `^(${PROCESSES.slice(1, -1)}|${TOOLING.slice(1, -1)})/` },
    },
    {
      name: 'order-record-has-one-owner',
      severity: 'error',
      comment:
        'An order is read and changed through the order store (domain/orders/order-store.ts), whose named ' +
        'operations say how its record may change; nothing outside domain/orders/ reaches the model behind it. ' +
        'Tests and the tooling set up and check orders directly.',
      from: { pathNot: ['^domain/orders/', '^test/', `^${TOOLING}/`] },
      to: { path: '^domain/orders/order-model' },
    },
    {
      name: 'process-keeps-out-of-another',
      severity: 'error',
      comment:
        'A process reaches another only through contracts/, core/ and domain/ (or over the network). ' +
        'consumers/<service>/ are processes of their own.',
      from: { path: '^(api|relay|bridge|ops|consumers/[^/]+)/' },
      to: { path: `^(${PROCESSES.slice(1, -1)})/`, pathNot: '^$1/' },
    },
    {
      name: 'activities-keep-to-themselves',
      severity: 'error',
      comment:
        'Activities do the I/O of a workflow; they know nothing of the workflow code or of other processes.',
      from: { path: '^activities/' },
      to: { path: '^(api|relay|bridge|workers|workflows|consumers|ops)/' },
    },
    {
      name: 'workers-wire-activities-and-workflows-only',
      severity: 'error',
      comment:
        'A worker wires the activities and workflows of its task queue, nothing of the other processes.',
      from: { path: '^workers/' },
      to: { path: '^(api|relay|bridge|consumers|ops)/' },
    },
    {
      name: 'workflows-stay-deterministic',
      severity: 'error',
      comment:
        'Workflow code does no I/O: it imports contracts/, the Temporal workflow SDK and activity *types*, and ' +
        'nothing of the plumbing, the domain, Node itself or other processes.',
      from: { path: '^workflows/' },
      to: { path: `^(core|domain|api|relay|bridge|workers|consumers|ops|${TOOLING.slice(1, -1)})/` },
    },
    {
      name: 'workflows-import-activity-types-only',
      severity: 'error',
      comment: 'proxyActivities<typeof activities>: the types, never the implementations.',
      from: { path: '^workflows/' },
      to: { path: '^activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-use-no-node-modules',
      severity: 'error',
      comment: 'Node’s own modules do I/O or are non-deterministic; the workflow sandbox has none of them.',
      from: { path: '^workflows/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'console-speaks-http-only',
      severity: 'error',
      comment:
        'The console runs in a browser and reaches the system over HTTP: of the code base it imports only ' +
        'the contracts, and only their types (nothing of them ends up in the page).',
      from: { path: '^console/' },
      to: { path: '^(?!console/|node_modules/)', dependencyTypesNot: ['type-only', 'core'] },
    },
    {
      name: 'product-imports-no-tooling',
      severity: 'error',
      comment:
        'The product ships and runs without its harness: nothing outside tools/ (and the tests) imports ' +
        'tools/. Minting a local token, say, is the stack’s job, not the operator CLI’s.',
      from: { pathNot: `^(${TOOLING.slice(1, -1)}|test)/` },
      to: { path: `^${TOOLING}/` },
    },
    {
      name: 'tooling-imports-no-process',
      severity: 'error',
      comment: 'The stack and the bench start processes by their entry points, not by importing them.',
      from: { path: `^${TOOLING}/`, pathNot: '^tools/bench/seed' },
      to: { path: `^${PROCESSES}/` },
    },
    {
      name: 'bench-seed-takes-only-what-consumers-store',
      severity: 'error',
      comment:
        'The bench’s seed writes history as the consumers would have stored it, built by their own models and ' +
        'builders so that it keeps their shape when they change; it starts nothing of them (no entry point, no ' +
        'service or app wiring) and takes nothing of the other processes.',
      from: { path: '^tools/bench/seed' },
      to: {
        path: `^${PROCESSES}/`,
        pathNot: '^consumers/[^/]+/(?!(main|service|app)\\.ts$)[^/]+\\.ts$',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|\\.stack|coverage)/' },
    // Type-only imports count: they are what ties a workflow to its activities, and they can close a circle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.cjs', '.mjs', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
