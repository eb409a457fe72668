/** What saving an institution's entitlement would change, entry by entry (shown before saving). */
import type { EntryGrant, EntryGrantRead } from '@/api/sso'

export interface EntryDiff {
  entry: string
  name_zh: string
  name_en: string
  enabledBefore: boolean
  enabledAfter: boolean
  functionsAdded: string[]
  functionsRemoved: string[]
  targetUrlBefore: string | null
  targetUrlAfter: string | null
}

export interface EntitlementDiff {
  changed: boolean
  entries: EntryDiff[]
}

const norm = (url: string | null | undefined) => (url && url.trim() ? url.trim() : null)

export function diffEntitlement(before: EntryGrantRead[], after: EntryGrant[]): EntitlementDiff {
  const old = new Map(before.map((e) => [e.entry, e]))
  const next = new Map(after.map((e) => [e.entry, e]))
  const codes = [...new Set([...before.map((e) => e.entry), ...after.map((e) => e.entry)])]
  const entries: EntryDiff[] = []
  for (const code of codes) {
    const b = old.get(code)
    const a = next.get(code)
    const beforeFns = new Set(b?.functions ?? [])
    const afterFns = new Set(a?.functions ?? [])
    const d: EntryDiff = {
      entry: code,
      name_zh: b?.name_zh ?? code,
      name_en: b?.name_en ?? code,
      enabledBefore: b?.enabled ?? false,
      enabledAfter: a?.enabled ?? false,
      functionsAdded: [...afterFns].filter((f) => !beforeFns.has(f)).sort(),
      functionsRemoved: [...beforeFns].filter((f) => !afterFns.has(f)).sort(),
      targetUrlBefore: norm(b?.target_url),
      targetUrlAfter: norm(a?.target_url),
    }
    if (
      d.enabledBefore !== d.enabledAfter || d.functionsAdded.length || d.functionsRemoved.length ||
      d.targetUrlBefore !== d.targetUrlAfter
    ) entries.push(d)
  }
  return { changed: entries.length > 0, entries }
}
