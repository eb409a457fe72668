/** Plain words for the platform's problem codes, in the current language. */
import type { Problem } from './client'
import { i18n } from '@/i18n'

const KNOWN = new Set([
  'csrf_failed', 'function_not_granted', 'entry_not_entitled', 'platform_operator_required',
  'outside_subtree', 'network_error', 'unavailable',
])

export function describeProblem(problem: Problem): string | null {
  const t = i18n.global.t
  const code = problem.code ?? ''
  if (KNOWN.has(code)) return t(`errors.${code}`)
  if (problem.status >= 500 && code === 'internal_error') return t('errors.internal_error', { id: problem.request_id ?? '—' })
  if (problem.status === 503) return t('errors.unavailable')
  // Validation and business errors: the server's detail already names the field and the fix.
  return null
}
