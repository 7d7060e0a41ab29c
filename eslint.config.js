import { configApp } from '@adonisjs/eslint-config'
import { vue } from '@adonisjs/eslint-config/vue'
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

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
  // Layout is Prettier's job: switch off the template style rules it owns.
  prettier
)
