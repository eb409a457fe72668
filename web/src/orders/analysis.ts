/** Shaping the analysis answers for charts; amounts are summed exactly in fen. */
import type { TotalsRow } from '@/api/orders'
import { fenToYuan, toFen } from '@/utils/money'

export interface Bucket { key: string; count: number; fen: bigint }

export function groupTotals(rows: TotalsRow[], by: (r: TotalsRow) => string): Bucket[] {
  const map = new Map<string, Bucket>()
  for (const r of rows) {
    const key = by(r)
    const b = map.get(key) ?? { key, count: 0, fen: 0n }
    b.count += r.count
    b.fen += toFen(r.amount)
    map.set(key, b)
  }
  return [...map.values()]
}

export const bucketYuan = (b: Bucket) => fenToYuan(b.fen)
/** For chart axes only: yuan as a JS number (display, no arithmetic on it afterwards). */
export const bucketChartValue = (b: Bucket) => Number(b.fen) / 100
