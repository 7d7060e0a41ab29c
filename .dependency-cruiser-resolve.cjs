// Resolver options for dependency-cruiser, in the webpack shape it reads them from:
// `#services/x` maps to ./app/services/x.js by package.json "imports", and the file
// on disk is x.ts, which TypeScript finds by the same .js → .ts substitution.
module.exports = {
  resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
}
