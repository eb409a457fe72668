import { useI18n } from 'vue-i18n'

/** Enum and entry labels in the current language. */
export function useLabels() {
  const { t, te, locale } = useI18n()
  const label = (group: string, value: string | null | undefined): string => {
    if (!value) return '—'
    const key = `enums.${group}.${value}`
    return te(key) ? t(key) : value
  }
  const orgType = (value: string | null | undefined) => (value && te(`orgType.${value}`) ? t(`orgType.${value}`) : value ?? '—')
  const named = (item: { name_zh: string; name_en: string }) => (locale.value === 'en' ? item.name_en : item.name_zh)
  return { label, orgType, named, t, te, locale }
}
