import 'vuetify/styles'
import { createApp, h, type DefineComponent } from 'vue'
import { createInertiaApp } from '@inertiajs/vue3'
import { createVuetify } from 'vuetify'
import { aliases, mdi } from 'vuetify/iconsets/mdi-svg'
import { en as vuetifyEn, zhHans } from 'vuetify/locale'
import { createI18n } from 'vue-i18n'
import { resolvePageComponent } from '@adonisjs/inertia/helpers'
import { messagesByLocale } from '~/utils/locale'

createInertiaApp({
  title: (title) => (title ? `${title} - PileHub` : 'PileHub'),
  resolve: (name) =>
    resolvePageComponent(
      `./pages/${name}.vue`,
      import.meta.glob<DefineComponent>('./pages/**/*.vue')
    ),
  setup({ el, App, props, plugin }) {
    const locale = (props.initialPage.props.locale as string) ?? 'zh-CN'
    const i18n = createI18n({
      legacy: false,
      locale,
      fallbackLocale: 'zh-CN',
      messages: messagesByLocale,
    })
    const vuetify = createVuetify({
      icons: { defaultSet: 'mdi', aliases, sets: { mdi } },
      locale: {
        locale: locale === 'en' ? 'en' : 'zhHans',
        fallback: 'zhHans',
        messages: { zhHans, en: vuetifyEn },
      },
      theme: {
        defaultTheme: 'light',
        themes: { light: { colors: { primary: '#1f6feb', secondary: '#0b3d63' } } },
      },
    })
    createApp({ render: () => h(App, props) })
      .use(plugin)
      .use(i18n)
      .use(vuetify)
      .mount(el)
  },
  progress: { color: '#1f6feb' },
})
