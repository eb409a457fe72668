/** The left menu, built from the user's granted functions. */
import { consolePages, mayOpen, pagePath, type ConsolePage } from './pages'
import type { SessionEntry } from '@/api/session'

export interface MenuItem {
  name: string
  path: string
  title: string
  icon?: string
}

export interface MenuGroup {
  entry: string
  /** The entry's name in both languages (from the session), or an i18n key fallback. */
  name_zh: string
  name_en: string
  icon: string | null
  items: MenuItem[]
}

/**
 * One group per entry, in the order the session lists the entries (catalogue order), with the
 * pages the user may open. Entries with no console page the user may open give no group.
 * An entry the session does not list (the institution lacks it) gives nothing either, whatever
 * functions say.
 */
export function buildMenu(
  entries: SessionEntry[],
  functions: Record<string, string[]>,
  pages: ConsolePage[] = consolePages,
): MenuGroup[] {
  const groups: MenuGroup[] = []
  for (const entry of entries) {
    const items = pages
      .filter((p) => p.entry === entry.code && p.menu !== false && mayOpen(p, functions))
      .map((p) => ({ name: p.name, path: pagePath(p), title: p.title, icon: p.icon }))
    if (items.length) {
      groups.push({ entry: entry.code, name_zh: entry.name_zh, name_en: entry.name_en, icon: entry.icon, items })
    }
  }
  return groups
}
