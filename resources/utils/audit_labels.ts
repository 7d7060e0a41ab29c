import { useI18n } from 'vue-i18n'

/** The label of an audit action, result reason... or the raw key when none is translated. */
export function useAuditLabels() {
  const { t, te } = useI18n()
  const label = (prefix: string, key: string | null) =>
    key === null ? '' : te(`${prefix}.${key}`) ? t(`${prefix}.${key}`) : key
  return { label }
}
