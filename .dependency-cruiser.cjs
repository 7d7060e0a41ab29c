// The import check `npm run lint` runs (dependency-cruiser): no import cycles, and
// dependencies point down (controllers, validators, jobs → services → core).
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
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(build|tmp|node_modules)/' },
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
