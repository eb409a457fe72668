/**
 * Plain words for the platform's problems, in the current language: the problem's code and
 * each field error's code are looked up in the console's own table (i18n/problems.ts); the
 * server's detail (English, for developers) is never shown. An unknown code gives a generic
 * message with the code, so a person can still quote it.
 */
import type { Problem, ProblemFieldError } from './client'
import { i18n } from '@/i18n'
import { FIELD_LABELS, FIELD_PROBLEMS, PROBLEMS } from '@/i18n/problems'

function lang(): 0 | 1 {
  return i18n.global.locale.value === 'en' ? 1 : 0
}

const GENERIC: [string, string] = ['操作未成功（错误代码：{code}）。', 'The operation did not succeed (code {code}).']
const GENERIC_FIELD: [string, string] = ['内容不符合要求（{code}）', 'not valid ({code})']

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole)
}

/** The problem in words; never null (a code the console does not know is named). */
export function describeProblem(problem: Problem): string {
  const code = problem.code ?? (problem.status ? `http_${problem.status}` : 'error')
  const known = PROBLEMS[code]
  if (known) return fill(known[lang()], { id: problem.request_id ?? '—', code })
  if (problem.status === 503) return PROBLEMS.unavailable[lang()]
  if (problem.status >= 500) return fill(PROBLEMS.internal_error[lang()], { id: problem.request_id ?? '—' })
  return fill(GENERIC[lang()], { code })
}

/** Does the console have words for this problem code? (tests) */
export function knowsProblem(code: string): boolean {
  return code in PROBLEMS
}

/** Does the console have words for this field error code? (tests) */
export function knowsFieldProblem(code: string): boolean {
  return code in FIELD_PROBLEMS
}

/**
 * A field error in words. Limits pydantic states in its English message ("at least 2
 * characters", "greater than 0") are carried over as the number they name.
 */
export function describeFieldError(error: ProblemFieldError): string {
  const code = error.code ?? ''
  const known = FIELD_PROBLEMS[code] ?? PROBLEMS[code]
  if (!known) return fill(GENERIC_FIELD[lang()], { code: code || '—' })
  const n = /(-?\d+(?:\.\d+)?)/.exec(error.message ?? '')?.[1] ?? ''
  return fill(known[lang()], { n, code })
}

/** `lines.0.order_no` → "明细 1 订单号"; unknown names stay as they are. */
export function fieldLabel(field: string): string {
  if (!field) return ''
  const parts = field.split('.').filter((p) => !['body', 'query', 'path', 'header'].includes(p))
  return parts
    .map((p) => (/^\d+$/.test(p) ? String(Number(p) + 1) : FIELD_LABELS[p]?.[lang()] ?? p))
    .join(' ')
}
