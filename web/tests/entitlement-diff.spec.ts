import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'
import * as Icons from '@element-plus/icons-vue'
import { diffEntitlement } from '@/admin/entitlementDiff'
import EntitlementDiffView from '@/components/EntitlementDiffView.vue'
import EntitlementsPage from '@/views/admin/EntitlementsPage.vue'
import { configureClient, resetClientState } from '@/api/client'
import { createAppRouter } from '@/router'
import { createAppI18n } from '@/i18n'
import { useSessionStore } from '@/stores/session'
import type { Entitlement, EntryGrantRead } from '@/api/sso'
import { jsonResponse, makeSession } from './fixtures'

const before: EntryGrantRead[] = [
  { entry: 'insurance', kind: 'business', name_zh: '保险管理', name_en: 'Insurance', enabled: true, target_url: null, client_id: null, functions: ['insurance.policy', 'insurance.policy.query'] },
  { entry: 'finance', kind: 'business', name_zh: '财务中心', name_en: 'Finance', enabled: true, target_url: null, client_id: null, functions: ['finance.invoice', 'finance.invoice.query'] },
  { entry: 'risk', kind: 'business', name_zh: '风险评估', name_en: 'Risk', enabled: false, target_url: null, client_id: null, functions: [] },
]

describe('entitlement difference', () => {
  it('lists only what changes: entries on/off, functions added/removed, target URL', () => {
    const diff = diffEntitlement(before, [
      { entry: 'insurance', enabled: true, functions: ['insurance.policy', 'insurance.policy.query', 'insurance.policy.export'], target_url: 'https://bs.huacheng.example/' },
      { entry: 'finance', enabled: false, functions: ['finance.invoice'], target_url: null },
      { entry: 'risk', enabled: false, functions: [], target_url: '  ' },
    ])
    expect(diff.changed).toBe(true)
    expect(diff.entries.map((e) => e.entry)).toEqual(['insurance', 'finance'])
    const [ins, fin] = diff.entries
    expect(ins.functionsAdded).toEqual(['insurance.policy.export'])
    expect(ins.functionsRemoved).toEqual([])
    expect(ins.targetUrlBefore).toBeNull()
    expect(ins.targetUrlAfter).toBe('https://bs.huacheng.example/')
    expect(fin.enabledBefore).toBe(true)
    expect(fin.enabledAfter).toBe(false)
    expect(fin.functionsRemoved).toEqual(['finance.invoice.query'])
  })

  it('an entry missing from the new entitlement is off', () => {
    const diff = diffEntitlement(before, before.slice(0, 1).map((e) => ({ ...e })))
    expect(diff.entries.map((e) => [e.entry, e.enabledAfter, e.functionsRemoved])).toEqual([
      ['finance', false, ['finance.invoice', 'finance.invoice.query']],
    ])
  })

  it('no change: says so', () => {
    const diff = diffEntitlement(before, before.map((e) => ({ ...e, functions: [...e.functions].reverse() })))
    expect(diff.changed).toBe(false)
  })

  it('the view shows each change', () => {
    const diff = diffEntitlement(before, [
      { entry: 'insurance', enabled: true, functions: ['insurance.policy'], target_url: null },
      { entry: 'finance', enabled: false, functions: ['finance.invoice', 'finance.invoice.query'], target_url: null },
      { entry: 'risk', enabled: true, functions: ['risk.form'], target_url: null },
    ])
    const wrapper = mount(EntitlementDiffView, {
      props: { diff, names: new Map([['risk.form', { name_zh: '业务表单', name_en: 'Business forms' }]]) },
      global: { plugins: [createAppI18n('zh-CN'), ElementPlus] },
    })
    expect(wrapper.find('[data-test="diff-entry-insurance"]').find('[data-test="diff-fn-removed"]').text()).toContain('insurance.policy.query')
    expect(wrapper.find('[data-test="diff-entry-finance"]').find('[data-test="diff-entry-switch"]').text()).toBe('关闭入口')
    expect(wrapper.find('[data-test="diff-entry-risk"]').find('[data-test="diff-entry-switch"]').text()).toBe('开通入口')
    expect(wrapper.find('[data-test="diff-entry-risk"]').find('[data-test="diff-fn-added"]').text()).toContain('业务表单 (risk.form)')
  })
})

describe('entitlements page', () => {
  const INSTITUTION = '11111111-1111-1111-1111-111111111111'
  const entitlement: Entitlement = { institution_id: INSTITUTION, institution_code: 'HC', package_code: 'agency-standard', version: 4, entries: before }
  let fetchMock: ReturnType<typeof vi.fn>

  beforeEach(() => {
    resetClientState()
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    configureClient({ notifyError: () => undefined })
  })

  it('shows the difference before saving, then saves based on the version it read', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const store = useSessionStore()
    store.set(makeSession({
      platform_operator: true,
      functions: { sso: ['sso.admin.entitlement', 'sso.admin.entitlement.query', 'sso.admin.entitlement.manage'] },
    }))
    fetchMock.mockImplementation((url: string, init: RequestInit) => {
      if (url.endsWith(`/institutions/${INSTITUTION}/entitlement`) && init.method === 'GET') return Promise.resolve(jsonResponse(entitlement))
      if (url.endsWith(`/institutions/${INSTITUTION}/entitlement`) && init.method === 'PUT') {
        const body = JSON.parse(String(init.body))
        return Promise.resolve(jsonResponse({ ...entitlement, version: 5, entries: before.map((e) => ({ ...e, ...body.entries.find((x: { entry: string }) => x.entry === e.entry) })) }))
      }
      return Promise.resolve(jsonResponse({ status: 404, code: 'not_found' }, 404, 'application/problem+json'))
    })
    const router = createAppRouter(createMemoryHistory())
    await router.push(`/console/sso/entitlements?institution=${INSTITUTION}`)
    const wrapper = mount(EntitlementsPage, {
      attachTo: document.body,
      global: { plugins: [pinia, router, createAppI18n('zh-CN'), ElementPlus], components: Icons, stubs: { InstitutionSelect: true } },
    })
    await flushPromises()
    expect(wrapper.find('[data-test="entitlement-version"]').text()).toBe('4')

    // Narrow: switch finance off.
    await wrapper.find('[data-test="entitlement-switch-finance"]').trigger('click')
    await wrapper.find('[data-test="entitlement-review"]').trigger('click')
    await flushPromises()
    const dialog = document.querySelector('[data-test="entitlement-diff"]')
    expect(dialog).not.toBeNull()
    expect(dialog!.querySelector('[data-test="diff-entry-finance"] [data-test="diff-entry-switch"]')!.textContent!.trim()).toBe('关闭入口')
    expect(dialog!.querySelector('[data-test="diff-entry-insurance"]')).toBeNull()
    // Nothing was written yet.
    expect(fetchMock.mock.calls.filter(([, init]) => init.method === 'PUT')).toHaveLength(0)

    ;(document.querySelector('[data-test="entitlement-save"]') as HTMLElement).click()
    await flushPromises()
    const puts = fetchMock.mock.calls.filter(([, init]) => init.method === 'PUT')
    expect(puts).toHaveLength(1)
    const [, init] = puts[0]
    expect(init.headers['X-CSRF-Token']).toBe('csrf-abc')
    const body = JSON.parse(init.body)
    expect(body.based_on_version).toBe(4)
    expect(body.entries.find((e: { entry: string }) => e.entry === 'finance').enabled).toBe(false)
    expect(body.entries.find((e: { entry: string }) => e.entry === 'insurance').enabled).toBe(true)
    expect(wrapper.find('[data-test="entitlement-version"]').text()).toBe('5')
    wrapper.unmount()
  })

  it('puts a refused target URL on its entry', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    useSessionStore().set(makeSession({ platform_operator: true, functions: { sso: ['sso.admin.entitlement.query', 'sso.admin.entitlement.manage'] } }))
    fetchMock.mockImplementation((_url: string, init: RequestInit) => {
      if (init.method === 'GET') return Promise.resolve(jsonResponse(entitlement))
      return Promise.resolve(jsonResponse({
        status: 422, code: 'target_url_not_registered', detail: 'register a client with that origin first',
        errors: [{ field: 'body.entries.0.target_url', code: 'target_url_not_registered', message: 'no registered client has this origin' }],
      }, 422, 'application/problem+json'))
    })
    const router = createAppRouter(createMemoryHistory())
    await router.push(`/console/sso/entitlements?institution=${INSTITUTION}`)
    const wrapper = mount(EntitlementsPage, {
      attachTo: document.body,
      global: { plugins: [pinia, router, createAppI18n('zh-CN'), ElementPlus], components: Icons, stubs: { InstitutionSelect: true } },
    })
    await flushPromises()
    await wrapper.find('[data-test="entitlement-switch-risk"]').trigger('click')
    await wrapper.find('[data-test="entitlement-review"]').trigger('click')
    await flushPromises()
    ;(document.querySelector('[data-test="entitlement-save"]') as HTMLElement).click()
    await flushPromises()
    await new Promise((r) => setTimeout(r, 0))
    const item = wrapper.find('[data-test="entitlement-entry-insurance"]')
    expect(item.find('.el-form-item.is-error').exists()).toBe(true)
    expect(item.find('.el-collapse-item__header').attributes('aria-expanded')).toBe('true')
    const errorsShown = wrapper.findAllComponents({ name: 'ElFormItem' }).map((c) => c.props('error')).filter(Boolean)
    expect(errorsShown).toEqual(['no registered client has this origin'])
    wrapper.unmount()
  })
})
