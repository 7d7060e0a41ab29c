import { configApp } from '@adonisjs/eslint-config'
import { vue } from '@adonisjs/eslint-config/vue'
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

/*
| The plugin boundary: a plugin imports the kit (#sdk/*), npm packages, node
| builtins and its own files, never the app (#services, #models, #config...),
| the framework (@adonisjs/*: the kit has the types it needs, e.g. PluginLogger;
| @vinejs/*: the kit hands out VineJS as #sdk/schema) nor a file outside its folder, so it can be written and tested apart from
| PileHub. One block per folder depth, since how many "../" leave the
| plugin's folder depends on where the file sits.
*/
const KIT_ONLY = 'Plugins import only the plugin kit (#sdk/*), npm packages and their own files.'
const pluginBoundary = [1, 2, 3, 4].map((depth) => ({
  name: `PileHub plugins import only the kit (depth ${depth})`,
  files: [`plugins/${'*/'.repeat(depth)}*.{ts,js}`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { regex: '^#(?!sdk/)', message: KIT_ONLY },
          { regex: `^(\\.\\./){${depth}}`, message: KIT_ONLY },
          { regex: '^/', message: KIT_ONLY },
          // The framework, its singletons (logger, app, db...) included: a plugin gets what it needs in its context.
          { regex: '^@adonisjs/', message: KIT_ONLY },
          { regex: '^@vinejs/', message: 'Plugins take VineJS from the kit: #sdk/schema.' },
        ],
      },
    ],
    'no-restricted-syntax': [
      'error',
      {
        selector: 'ImportExpression[source.value=/^#/]:not([source.value=/^#sdk/])',
        message: KIT_ONLY,
      },
    ],
  },
}))

const kitBoundary = {
  name: 'The plugin kit imports nothing of the app',
  files: ['sdk/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [{ regex: '^#(?!sdk/)', message: 'The kit stands apart from the app.' }] },
    ],
  },
}

export default configApp(
  ...vue,
  {
    name: 'PileHub frontend',
    files: ['resources/**/*.{ts,vue}'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser },
    },
    rules: {
      // Pages are named by their route (home, placeholder), as Inertia resolves them.
      'vue/multi-word-component-names': 'off',
    },
  },
  ...pluginBoundary,
  kitBoundary,
  // Layout is Prettier's job: switch off the template style rules it owns.
  prettier
)
