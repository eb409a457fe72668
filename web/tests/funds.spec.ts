import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'
import * as Icons from '@element-plus/icons-vue'
import FundsPage from '@/views/finance/FundsPage.vue'
import OrderCreateDialog from '@/views/orders/OrderCreateDialog.vue'
import InstitutionSelect from '@/components/InstitutionSelect.vue'
import { configureClient, resetClientState } from '@/api/client'
import { createAppRouter } from '@/router'
import { createAppI18n } from '@/i18n'
import { useSessionStore } from '@/stores/session'
import { jsonResponse, makeSession } from './fixtures'

const ORG = '33333333-3333-3333-3333-333333333333'
const FINANCE_ENTRY = { code: 'finance', kind: 'business' as const, name_zh: '财务中心', name_en: 'Finance', icon: null, launch_url: '/console/finance', tenant_system: false }
const ACCOUNTS = [
  { account_no: '6222000000000001', name: '科技公司基本户', bank_name: '招商银行', legal_entity: 'technology_company', ledger_account: '1002', created_by: 'u', created_at: '2026-11-01T00:00:00Z' },
  { account_no: '6222000000000002', name: '科技公司一般户', bank_name: '工商银行', legal_entity: 'technology_company', ledger_account: '1002', created_by: 'u', created_at: '2026-11-01T00:00:00Z' },
]
const TRANSFER = {
  id: 't-1', transfer_no: 'FT20261126000001', from_account: '6222000000000001', to_account: '6222000000000002', amount: '50000.00',
  bank_reference: 'TR001', memo: '调拨', transferred_at: '2026-11-26T02:00:00Z', created_by: 'u-1', created_at: '2026-11-26T02:00:00Z',
}

function body(call: unknown[]): Record<string, unknown> {
  return JSON.parse((call[1] as { body: string }).body)
}

describe('finance funds page (资金管理)', () => {
  let fetchMock: ReturnType<typeof vi.fn>
  beforeEach(() => {
    resetClientState()
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    configureClient({ notifyError: () => undefined })
  })

  async function mountPage(functions: string[]) {
    const pinia = createPinia()
    setActivePinia(pinia)
    useSessionStore().set(makeSession({ platform_operator: true, entries: [FINANCE_ENTRY], functions: { finance: functions } }))
    const router = createAppRouter(createMemoryHistory())
    await router.push('/console/finance/funds')
    const wrapper = mount(FundsPage, { global: { plugins: [pinia, router, createAppI18n('zh-CN'), ElementPlus], components: Icons } })
    await flushPromises()
    return wrapper
  }

  const ALL = ['finance.fund_transfer.query', 'finance.payment_request.query', 'finance.payment_request.approve', 'finance.allocation.manage', 'finance.bank_statement.query']

  it('lists transfers by number with our accounts named, and records one in yuan', async () => {
    fetchMock.mockImplementation((url: string, init?: RequestInit) => {
      if (url.startsWith('/api/finance/v1/bank-accounts')) return Promise.resolve(jsonResponse(ACCOUNTS))
      if (url.startsWith('/api/finance/v1/fund-transfers') && init?.method === 'POST') return Promise.resolve(jsonResponse({ ...TRANSFER, transfer_no: 'FT20261126000002' }, 201))
      if (url.startsWith('/api/finance/v1/fund-transfers')) return Promise.resolve(jsonResponse([TRANSFER]))
      return Promise.resolve(jsonResponse({}))
    })
    const wrapper = await mountPage(ALL)
    expect(wrapper.text()).toContain('FT20261126000001')
    expect(wrapper.text()).toContain('工商银行 科技公司一般户')

    await wrapper.find('[data-test="new-transfer"]').trigger('click')
    await flushPromises()
    const [from, to] = wrapper.findComponent({ name: 'ElDialog' }).findAllComponents({ name: 'ElSelect' })
    from.vm.$emit('update:modelValue', '6222000000000001')
    to.vm.$emit('update:modelValue', '6222000000000001')
    await flushPromises()
    await wrapper.find('[data-test="save-transfer"]').trigger('click')
    await flushPromises()
    // the same account twice is said at once, nothing is sent
    expect(fetchMock.mock.calls.filter(([, i]) => i?.method === 'POST')).toHaveLength(0)
    expect(wrapper.findAllComponents({ name: 'ElFormItem' }).map((c) => c.props('error')).filter(Boolean)).toEqual(['转出与转入账户不能相同'])

    to.vm.$emit('update:modelValue', '6222000000000002')
    await wrapper.find('[data-test="transfer-amount"]').setValue('¥50,000')
    await wrapper.find('[data-test="transfer-reference"]').setValue(' TR002 ')
    wrapper.findAllComponents({ name: 'ElDatePicker' }).at(-1)!.vm.$emit('update:modelValue', '2026-11-26T10:00:00+08:00')
    await flushPromises()
    await wrapper.find('[data-test="save-transfer"]').trigger('click')
    await flushPromises()
    const post = fetchMock.mock.calls.find(([, i]) => i?.method === 'POST')!
    expect(post[0]).toBe('/api/finance/v1/fund-transfers')
    expect(body(post)).toMatchObject({ from_account: '6222000000000001', to_account: '6222000000000002', amount: '50000.00', bank_reference: 'TR002', transferred_at: '2026-11-26T10:00:00+08:00' })
  })

  it("shows an institution's balance and statement once picked, and tops it up", async () => {
    const balance = { org_id: ORG, balance: '1200.00', entries: [{ seq: 1, kind: 'top_up', amount: '1200.00', balance_after: '1200.00', reference: 'BANK-1', memo: null, created_by: 'u-1', created_at: '2026-11-26T02:00:00Z' }] }
    fetchMock.mockImplementation((url: string, init?: RequestInit) => {
      if (url.startsWith('/api/finance/v1/bank-accounts')) return Promise.resolve(jsonResponse(ACCOUNTS))
      if (url.startsWith('/api/finance/v1/fund-transfers')) return Promise.resolve(jsonResponse([]))
      if (url.endsWith('/top-ups') && init?.method === 'POST') {
        return Promise.resolve(jsonResponse({ status: 422, code: 'validation_failed', detail: 'x', errors: [{ field: 'body.reference', code: 'reference_used', message: 'used' }] }, 422, 'application/problem+json'))
      }
      if (url.startsWith(`/api/finance/v1/org-balances/${ORG}`)) return Promise.resolve(jsonResponse(balance))
      return Promise.resolve(jsonResponse([]))
    })
    const wrapper = await mountPage(ALL)
    expect(wrapper.find('[data-test="new-top-up"]').exists()).toBe(false)
    wrapper.findComponent(InstitutionSelect).vm.$emit('update:modelValue', ORG)
    await flushPromises()
    expect(wrapper.find('[data-test="org-balance"]').text()).toContain('¥1,200.00')
    expect(wrapper.text()).toContain('充值')
    expect(wrapper.text()).toContain('BANK-1')

    await wrapper.find('[data-test="new-top-up"]').trigger('click')
    await flushPromises()
    await wrapper.find('[data-test="save-top-up"]').trigger('click')
    await flushPromises()
    const post = fetchMock.mock.calls.find(([, i]) => i?.method === 'POST')!
    expect(post[0]).toBe(`/api/finance/v1/org-balances/${ORG}/top-ups`)
    // the API's field error lands on its field
    expect(wrapper.findAllComponents({ name: 'ElFormItem' }).some((c) => !!c.props('error'))).toBe(true)
  })

  it('a reader without the recording functions sees no record buttons', async () => {
    fetchMock.mockResolvedValue(jsonResponse([]))
    const wrapper = await mountPage(['finance.fund_transfer.query'])
    expect(wrapper.find('[data-test="new-transfer"]').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('机构余额')
  })
})

describe('single-order form (新建订单)', () => {
  let fetchMock: ReturnType<typeof vi.fn>
  beforeEach(() => {
    resetClientState()
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    configureClient({ notifyError: () => undefined })
  })

  async function mountDialog() {
    const pinia = createPinia()
    setActivePinia(pinia)
    useSessionStore().set(makeSession({ functions: { orders: ['orders.order', 'orders.order.query', 'orders.order.create'] } }))
    const router = createAppRouter(createMemoryHistory())
    await router.push('/console/orders/orders')
    const wrapper = mount(OrderCreateDialog, {
      props: { modelValue: true },
      global: { plugins: [pinia, router, createAppI18n('zh-CN'), ElementPlus], components: Icons },
    })
    await flushPromises()
    return wrapper
  }

  it('sends the typed order with its business reference and names a refused field', async () => {
    fetchMock.mockImplementation((url: string, init?: RequestInit) => {
      if (url === '/api/orders/v1/orders' && init?.method === 'POST') {
        return Promise.resolve(jsonResponse({
          status: 422, code: 'validation_failed', detail: 'x',
          errors: [{ field: 'body.amount', code: 'decimal_max_places', message: 'at most 2 decimal places' }],
        }, 422, 'application/problem+json'))
      }
      return Promise.resolve(jsonResponse([]))
    })
    const wrapper = await mountDialog()
    wrapper.findComponent(InstitutionSelect).vm.$emit('update:modelValue', ORG)
    await wrapper.find('[data-test="order-amount"]').setValue('1280.555')
    await wrapper.find('[data-test="order-source-ref"]').setValue(' HT-2026-118 ')
    await wrapper.find('[data-test="order-create-save"]').trigger('click')
    await flushPromises()
    const post = fetchMock.mock.calls.find(([, i]) => i?.method === 'POST')!
    expect(body(post)).toMatchObject({
      category: 'technical_service', direction: 'receivable', customer_org_id: ORG, amount: '1280.555',
      source_service: 'console', source_ref: 'HT-2026-118', counterparty: null,
    })
    expect(wrapper.findAllComponents({ name: 'ElFormItem' }).map((c) => c.props('error')).filter(Boolean)).toHaveLength(1)
    expect(wrapper.emitted('created')).toBeUndefined()
  })

  it('announces the created order', async () => {
    fetchMock.mockImplementation((url: string, init?: RequestInit) =>
      Promise.resolve(url === '/api/orders/v1/orders' && init?.method === 'POST'
        ? jsonResponse({ id: 'o-1', order_no: 'OC20261126000001' }, 201)
        : jsonResponse([])))
    const wrapper = await mountDialog()
    wrapper.findComponent(InstitutionSelect).vm.$emit('update:modelValue', ORG)
    await wrapper.find('[data-test="order-amount"]').setValue('1,280.50')
    await wrapper.find('[data-test="order-source-ref"]').setValue('HT-2026-119')
    await wrapper.find('[data-test="order-create-save"]').trigger('click')
    await flushPromises()
    expect(body(fetchMock.mock.calls.find(([, i]) => i?.method === 'POST')!)).toMatchObject({ amount: '1280.50' })
    expect(wrapper.emitted('created')?.[0]).toEqual([{ id: 'o-1', order_no: 'OC20261126000001' }])
  })
})
