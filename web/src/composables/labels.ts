import { useI18n } from 'vue-i18n'
import { useSessionStore } from '@/stores/session'

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
  /** Who did something, in words: the name recorded with it when there is one (the trajectory
   * keeps the caller's name), else the signed-in user by name, other user ids shortened. */
  const who = (subject: string | null | undefined, name?: string | null): string => {
    if (name) return name
    if (!subject) return '—'
    const me = useSessionStore().session?.user
    if (me && subject === me.id) return me.display_name ?? me.username ?? subject
    return /^[0-9a-f-]{32,36}$/i.test(subject) ? subject.slice(0, 8) : subject
  }
  return { label, orgType, named, who, t, te, locale }
}
