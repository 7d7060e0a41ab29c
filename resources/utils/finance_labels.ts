import { useI18n } from 'vue-i18n'

/** A payment channel (plugin id) by its name, or the id itself for a plugin without one. */
export function useChannelLabel() {
  const { t, te } = useI18n()
  return (pluginId: string) => {
    const key = `financePage.channels.${pluginId}`
    return te(key) ? t(key) : pluginId
  }
}
