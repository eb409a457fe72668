import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'
import * as Icons from '@element-plus/icons-vue'
import SettlementBuilderPage from '@/views/orders/SettlementBuilderPage.vue'
import InstitutionSelect from '@/components/InstitutionSelect.vue'
import { configureClient, resetClientState } from '@/api/client'
import { createAppRouter } from '@/router'
import { createAppI18n } from '@/i18n'
import { useSessionStore } from '@/stores/session'
import type { OrderSummary } from '@/api/orders'
import { jsonResponse, makeSession } from './fixtures'

const ORG = '22222222-2222-2222-2222-222222222222'

function order(no: string, amount: string): OrderSummary {
  return {
    id: `id-${no}`, order_no: no, category: 'channel_promotion_fee', direction: 'receivable', customer_org_id: ORG,
    counterparty: { name: '人保深圳', id: null }, seller: null, amount, currency: 'CNY', tax_rate: null, status: 'closed',
    invoiced_amount: '0.00', settled_amount: '0.00', source_service: 'insurance', source_ref: no, sign_date: '2026-10-15',
    created_by: 'u', created_at: '2026-10-15T02:00:00Z', invoiced_at: null, settled_at: null,
  }
}

describe('settlement-list builder', () => {
  let fetchMock: ReturnType<typeof vi.fn>
  beforeEach(() => {
    resetClientState()
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    configureClient({ notifyError: () => undefined })
  })

  async function mountPage() {
    const pinia = createPinia()
    setActivePinia(pinia)
    useSessionStore().set(makeSession({ functions: { orders: ['orders.order', 'orders.order.query', 'orders.order.create'] } }))
    const router = createAppRouter(createMemoryHistory())
    await router.push('/console/orders/settlement-lists')
    const wrapper = mount(SettlementBuilderPage, {
      global: { plugins: [pinia, router, createAppI18n('zh-CN'), ElementPlus], components: Icons },
    })
    wrapper.findComponent(InstitutionSelect).vm.$emit('update:modelValue', ORG)
    wrapper.findComponent({ name: 'ElDatePicker' }).vm.$emit('update:modelValue', ['2026-10-01', '2026-10-31'])
    await flushPromises()
    return wrapper
  }

  it('previews the selection, then creates the billing order from exactly that selection', async () => {
    fetchMock.mockImplementation((url: string) => {
      if (url.endsWith('/settlement-lists/preview')) {
        return Promise.resolve(jsonResponse({ count: 2, amount: '12345.60', orders: [order('OC1', '12000.00'), order('OC2', '345.60')] }))
      }
      if (url.endsWith('/settlement-lists')) {
        return Promise.resolve(jsonResponse({
          id: 'list-1', list_no: 'SL20261125-0001', customer_org_id: ORG, category: 'channel_promotion_fee',
          sign_date_from: '2026-10-01', sign_date_to: '2026-10-31', order_count: 2, amount: '12345.60', created_by: 'u',
          created_at: '2026-11-25T08:00:00Z', order_ids: ['id-OC1', 'id-OC2'],
          billing_order: { ...order('OC9', '12345.60'), id: 'billing-1', status: 'invoice_applied', lines: [], extension: null, next_statuses: [], trajectory: [], reviews: [], finance_records: [] },
        }, 201))
      }
      return Promise.resolve(jsonResponse({}))
    })
    const wrapper = await mountPage()
    await wrapper.find('form').trigger('submit')
    await flushPromises()

    const previewCall = fetchMock.mock.calls.find(([u]) => String(u).endsWith('/preview'))!
    expect(previewCall[0]).toBe('/api/orders/v1/orders/settlement-lists/preview')
    expect(JSON.parse(previewCall[1].body)).toEqual({ customer_org_id: ORG, category: 'channel_promotion_fee', sign_date_from: '2026-10-01', sign_date_to: '2026-10-31' })
    expect(previewCall[1].headers['X-CSRF-Token']).toBe('csrf-abc')
    expect(wrapper.find('[data-test="settlement-count"]').text()).toBe('2')
    expect(wrapper.find('[data-test="settlement-total"]').text()).toBe('¥12,345.60')
    expect(wrapper.text()).toContain('OC2')

    await wrapper.find('[data-test="settlement-create"]').trigger('click')
    await flushPromises()
    const createCall = fetchMock.mock.calls.find(([u]) => String(u).endsWith('/settlement-lists'))!
    expect(createCall[1].method).toBe('POST')
    expect(JSON.parse(createCall[1].body)).toMatchObject({ customer_org_id: ORG, category: 'channel_promotion_fee', sign_date_from: '2026-10-01', sign_date_to: '2026-10-31', seller: null, tax_rate: null })
    expect(wrapper.find('[data-test="settlement-created"]').text()).toContain('SL20261125-0001')
    expect(wrapper.find('[data-test="settlement-billing-order"]').attributes('href')).toBe('/console/orders/orders/billing-1')
  })

  it('a changed selection drops the preview (nothing created from a stale one)', async () => {
    fetchMock.mockResolvedValue(jsonResponse({ count: 1, amount: '1.00', orders: [order('OC1', '1.00')] }))
    const wrapper = await mountPage()
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-test="settlement-create"]').exists()).toBe(true)
    wrapper.findComponent({ name: 'ElDatePicker' }).vm.$emit('update:modelValue', ['2026-09-01', '2026-10-31'])
    await flushPromises()
    expect(wrapper.find('[data-test="settlement-create"]').exists()).toBe(false)
  })

  it('says when there is nothing to bill', async () => {
    fetchMock.mockResolvedValue(jsonResponse({ count: 0, amount: '0.00', orders: [] }))
    const wrapper = await mountPage()
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-test="settlement-empty"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="settlement-create"]').exists()).toBe(false)
  })

  it("puts the API's field error on the date range", async () => {
    fetchMock.mockResolvedValue(jsonResponse({
      status: 422, code: 'validation_failed', detail: 'The request is invalid; check: body.sign_date_to',
      errors: [{ field: 'body.sign_date_to', code: 'range_reversed', message: 'must not be before sign_date_from' }],
    }, 422, 'application/problem+json'))
    const wrapper = await mountPage()
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const shown = wrapper.findAllComponents({ name: 'ElFormItem' }).map((c) => c.props('error')).filter(Boolean)
    expect(shown).toEqual(['must not be before sign_date_from'])
  })
})
