// The import check `npm run lint` runs (dependency-cruiser): no import cycles,
// dependencies point down (controllers, validators, jobs → services → core), and
// plugins import only the kit (sdk/) and no framework module; the kit imports nothing of the app.
// Type-only imports and `await import(...)` count; `#alias/*` subpath imports are
// resolved through package.json "imports" (see .dependency-cruiser-resolve.cjs).

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle: break it by moving the shared piece down or by passing it in.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-nothing-above',
      comment:
        'app/core is the shared base every menu uses: it imports no menu service, controller, ' +
        'validator, job, policy, middleware or ability. Move the shared piece into the core.',
      severity: 'error',
      from: { path: '^app/core/' },
      to: { path: '^app/(services|controllers|validators|jobs|policies|middleware|abilities)/' },
    },
    {
      name: 'services-below-the-edge',
      comment:
        'Services import no validator, controller or job module: declare the input type in the ' +
        "service (the validator's output satisfies it) and dispatch jobs through the domain.",
      severity: 'error',
      from: { path: '^app/services/' },
      to: { path: '^app/(validators|controllers|jobs)/' },
    },
    {
      name: 'plugins-import-only-the-kit',
      comment:
        'A plugin imports the kit (#sdk/*), npm packages, node builtins and its own files: ' +
        'nothing of the app, the tests or another plugin.',
      severity: 'error',
      from: { path: '^plugins/([^/]+)/' },
      to: {
        path: '^(app|bin|commands|config|database|providers|start|tests|resources|plugins)/',
        pathNot: '^plugins/$1/',
      },
    },
    {
      name: 'plugins-use-no-framework',
      comment:
        'A plugin imports no AdonisJS or VineJS module: the kit gives it the types it needs ' +
        '(e.g. PluginLogger from #sdk/logger), VineJS (#sdk/schema) and its context the instances.',
      severity: 'error',
      from: { path: '^plugins/' },
      to: { path: '^node_modules/@(adonisjs|vinejs)/' },
    },
    {
      name: 'kit-imports-nothing-of-the-app',
      comment: 'sdk/ stands apart: a plugin written outside PileHub relies on it alone.',
      severity: 'error',
      from: { path: '^sdk/' },
      to: { path: '^(app|bin|commands|config|database|providers|start|tests|resources|plugins)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(build|tmp)/' },
    // `import type` makes a cycle for the reader even if the compiler erases it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    webpackConfig: { fileName: '.dependency-cruiser-resolve.cjs' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    preserveSymlinks: true,
  },
}
