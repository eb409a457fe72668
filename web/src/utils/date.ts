/** Times are stored and sent in UTC; people read them in Asia/Shanghai. */
export const TIME_ZONE = 'Asia/Shanghai'

const dateTimeFmt = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

function parts(d: Date): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of dateTimeFmt.formatToParts(d)) out[p.type] = p.value
  return out
}

function toDate(value: string | Date): Date | null {
  const d = value instanceof Date ? value : new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

/** "2026-11-25T12:00:00Z" → "2026-11-25 20:00:00" (Asia/Shanghai). */
export function formatDateTime(value: string | Date | null | undefined): string {
  if (!value) return '—'
  const d = toDate(value)
  if (!d) return String(value)
  const p = parts(d)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`
}

/** An instant's calendar day in Asia/Shanghai ("2026-11-26" for 2026-11-25T18:00:00Z). */
export function formatDate(value: string | Date | null | undefined): string {
  if (!value) return '—'
  // A business date ("2026-11-25") has no time zone: show it as it is.
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const d = toDate(value)
  if (!d) return String(value)
  const p = parts(d)
  return `${p.year}-${p.month}-${p.day}`
}

/** Today's date in Asia/Shanghai, as the APIs' business dates are written. */
export function todayInShanghai(now: Date = new Date()): string {
  return formatDate(now)
}

/** The first instant (UTC ISO string) of a Shanghai calendar day: "2026-11-25" → "2026-11-24T16:00:00.000Z". */
export function shanghaiDayStartUtc(day: string): string {
  // Asia/Shanghai has had no daylight saving since 1991: a fixed +08:00 offset.
  return new Date(`${day}T00:00:00+08:00`).toISOString()
}

/** Seconds → "2天3小时" / "2d 3h" style text; the unit words come from the caller. */
export function formatDuration(
  seconds: number | null | undefined,
  units: { d: string; h: string; m: string; s: string } = { d: 'd', h: 'h', m: 'm', s: 's' },
): string {
  if (seconds === null || seconds === undefined) return '—'
  const d = Math.floor(seconds / 86400)
  const h = Math.floor((seconds % 86400) / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  if (d) return `${d}${units.d}${h ? ` ${h}${units.h}` : ''}`
  if (h) return `${h}${units.h}${m ? ` ${m}${units.m}` : ''}`
  if (m) return `${m}${units.m}${s ? ` ${s}${units.s}` : ''}`
  return `${s}${units.s}`
}
