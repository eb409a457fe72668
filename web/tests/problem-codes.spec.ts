/// <reference types="node" />
/**
 * Every problem code the backends can answer with has console words in zh-CN (and English),
 * and so has every field error code they put inside a problem. The codes are collected from
 * the services' sources the way they are written there (`code="…"`, `code = "…"`,
 * `_fail("field", "code", …)`, `{"code": "…"}`, `field_error(…, "code", …)`, …), so a new code
 * without words fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { describeFieldError, describeProblem, fieldLabel, knowsFieldProblem, knowsProblem } from '@/api/messages'
import { i18n } from '@/i18n'

// Vitest runs in web/ (npm test); the backends are beside it.
const ROOT = join(process.cwd(), '..')
const SOURCES = ['services', 'sso/src', 'gateway/src', 'libs/servicekit/src']

function* pythonFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      if (!['migrations', '__pycache__', 'tests', 'node_modules', '.venv'].includes(name)) yield* pythonFiles(path)
    } else if (name.endsWith('.py')) yield path
  }
}

const PROBLEM_PATTERNS = [
  /\bcode\s*=\s*"([a-z][a-z0-9_]*)"/g, // raise X(..., code="…"), class attribute code = "…"
  /\bcode\s*=\s*\d{3},\s*"([a-z][a-z0-9_]*)"/g, // status, code = 404, "…"
  /\b_?fail\(\s*f?"[^"]*",\s*"([a-z][a-z0-9_]*)"/g, // _fail("body.x", "code", …): the problem's code
  /\b_problem\(\s*"([a-z][a-z0-9_]*)"/g,
  /\(\s*\d{3},\s*"([a-z][a-z0-9_]*)"/g, // (status, "code", detail) tuples, problem_response(422, "…")
  /^\s*\d{3}: "([a-z][a-z0-9_]*)",/gm, // servicekit's codes of plain HTTP errors
]
const FIELD_PATTERNS = [
  // a field error dict literal: {"field": …, "code": "…", "message": …}
  /\{[^{}]*"field"[^{}]*?"code":\s*"([a-z][a-z0-9_]*)"[^{}]*\}/g,
  /\{[^{}]*?"code":\s*"([a-z][a-z0-9_]*)"[^{}]*"field"[^{}]*\}/g,
  /\b_err\(\s*f?"[^"]*",\s*"([a-z][a-z0-9_]*)"/g,
  /field_error\(\s*[^,]+,\s*\([^)]*\),\s*"([a-z][a-z0-9_]*)"/g,
  /PydanticCustomError\(\s*"([a-z][a-z0-9_]*)"/g,
  /FileProblem\(\s*[^,()[{]*,\s*"([a-z][a-z0-9_]*)"/g,
]

function collect(): { problems: Set<string>; fields: Set<string> } {
  const problems = new Set<string>()
  const fields = new Set<string>()
  for (const top of SOURCES) {
    for (const file of pythonFiles(join(ROOT, top))) {
      if (file.includes('/tests/')) continue
      const text = readFileSync(file, 'utf8')
      for (const pattern of PROBLEM_PATTERNS) for (const m of text.matchAll(pattern)) problems.add(m[1])
      for (const pattern of FIELD_PATTERNS) for (const m of text.matchAll(pattern)) fields.add(m[1])
    }
  }
  return { problems, fields }
}

describe('problem codes in words', () => {
  beforeEach(() => {
    i18n.global.locale.value = 'zh-CN'
  })

  const { problems, fields } = collect()

  it('finds the codes the backends emit (the collection itself works)', () => {
    for (const code of ['order_not_found', 'own_request', 'partner_code_missing', 'validation_failed', 'csrf_failed', 'month_closed'])
      expect(problems).toContain(code)
    expect(fields).toContain('exceeds_uninvoiced')
    expect(problems.size).toBeGreaterThan(100)
  })

  it('has a zh-CN message for every problem code', () => {
    const missing = [...problems].filter((code) => !knowsProblem(code)).sort()
    expect(missing).toEqual([])
  })

  it('has words for every field error code', () => {
    const missing = [...fields].filter((code) => !knowsFieldProblem(code) && !knowsProblem(code)).sort()
    expect(missing).toEqual([])
  })

  it('shows no English backend text, and an unknown code as a generic message with the code', () => {
    const own = describeProblem({ status: 403, code: 'own_request', detail: 'You cannot approve your own payment request.' })
    expect(own).toContain('不能审批自己提交的付款申请')
    expect(own).not.toMatch(/[A-Za-z]{4,}/)
    const unknown = describeProblem({ status: 409, code: 'brand_new_code', detail: 'Some English text.' })
    expect(unknown).toBe('操作未成功（错误代码：brand_new_code）。')
    const hint = describeProblem({ status: 422, code: 'partner_code_missing', detail: 'add them with PUT /v1/yonyou/partners/{org_id}' })
    expect(hint).not.toContain('/v1/')
  })

  it('says pydantic field errors in zh-CN, keeping the limit they name', () => {
    expect(describeFieldError({ field: 'body.name', code: 'string_too_short', message: 'String should have at least 2 characters' })).toBe('过短（至少 2 个字符）')
    expect(describeFieldError({ field: 'body.lines.0.order_id', code: 'uuid_parsing', message: 'Input should be a valid UUID' })).toBe('编号格式不正确')
    expect(describeFieldError({ field: 'body.x', code: 'never_heard_of', message: 'English' })).toBe('内容不符合要求（never_heard_of）')
    expect(fieldLabel('body.lines.0.order_no')).toBe('明细 1 订单号')
  })

  it('speaks English when the console does', () => {
    i18n.global.locale.value = 'en'
    expect(describeProblem({ status: 403, code: 'own_request' })).toContain('another platform operator')
    expect(describeFieldError({ field: 'body.amount', code: 'missing', message: 'Field required' })).toBe('required')
  })
})
