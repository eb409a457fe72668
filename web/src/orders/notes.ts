/**
 * Trajectory notes the order center writes when finance reports (English, stored with the
 * step) in the console's language. A note a person typed is shown as typed.
 */
type Rule = [RegExp, (m: RegExpMatchArray) => string]

const ZH: Rule[] = [
  [/^invoice applied for \((.+)\)$/, (m) => `已申请开票（${m[1]}）`],
  [/^invoice application (\S+) withdrawn: (.*)$/s, (m) => `开票申请 ${m[1]} 已撤回：${m[2]}`],
  [/^invoice application (\S+) rejected: (.*)$/s, (m) => `开票申请 ${m[1]} 已驳回：${m[2]}`],
  [/^invoice (\S+) issued$/, (m) => `发票 ${m[1]} 已开具`],
  [/^red-letter invoice (\S+) reverses (\S+) \(([^)]*)\)(?: — (.*))?$/s, (m) => `红字发票 ${m[1]} 冲销 ${m[2]}（${m[3]}）${m[4] ? `——${m[4]}` : ''}`],
  [/^receipt (\S+) allocated$/, (m) => `收款 ${m[1]} 已分配`],
  [/^payment (\S+) made$/, (m) => `付款 ${m[1]} 已付出`],
  [/^amounts finance had reported earlier$/, () => '财务此前已报告的金额'],
]

export function noteText(note: string | null | undefined, locale: string): string {
  if (!note) return ''
  if (locale === 'en') return note
  for (const [pattern, words] of ZH) {
    const m = note.match(pattern)
    if (m) return words(m)
  }
  return note
}
