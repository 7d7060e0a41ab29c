import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import vuetify from 'vite-plugin-vuetify'
import adonisjs from '@adonisjs/vite/client'
import { fileURLToPath } from 'node:url'

export default defineConfig({
  plugins: [
    vue(),
    vuetify({ autoImport: true }),
    adonisjs({
      entryPoints: ['resources/app.ts'],
      reload: ['resources/views/**/*.edge'],
    }),
  ],
  resolve: {
    alias: {
      '~/': fileURLToPath(new URL('./resources/', import.meta.url)),
    },
  },
  // The client bundle is all we ship: no SSR environment.
  builder: {
    async buildApp(builder) {
      await builder.build(builder.environments.client)
    },
  },
  // Pre-bundled dependencies per checkout: under the default node_modules/.vite,
  // checkouts sharing node_modules (git worktrees) re-optimise each other's
  // cache mid-test, and pages fail to load with 504 "Outdated Optimize Dep".
  cacheDir: 'tmp/vite',
  // Scan every page up front and leave Vuetify's auto-imported components
  // unbundled: otherwise the first visit of a page re-optimises and reloads.
  optimizeDeps: {
    entries: ['resources/app.ts', 'resources/pages/**/*.vue'],
    // The URL builder of resources/utils/routes.ts, which every page loads.
    include: ['@adonisjs/core/http/url_builder_client'],
    exclude: ['vuetify'],
  },
  server: {
    watch: { ignored: ['**/tmp/**'] },
  },
})
