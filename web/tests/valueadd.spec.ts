import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'
import * as Icons from '@element-plus/icons-vue'
import { configureClient, resetClientState } from '@/api/client'
import { createAppRouter } from '@/router'
import { createAppI18n } from '@/i18n'
import { consolePages, firstPageOf } from '@/menu/pages'
import zhCN from '@/i18n/zh-CN'
import { useSessionStore } from '@/stores/session'
import { progress, redeemMessage, tidyCode } from '@/views/valueadd/coupons/labels'
import { ApiError } from '@/api/client'
import RedeemPage from '@/views/valueadd/coupons/RedeemPage.vue'
import CouponsPage from '@/views/valueadd/coupons/CouponsPage.vue'
import BatchesPage from '@/views/valueadd/coupons/BatchesPage.vue'
import StatementsPage from '@/views/valueadd/coupons/StatementsPage.vue'
import MallProductsPage from '@/views/valueadd/mall/MallProductsPage.vue'
import MallOrdersPage from '@/views/valueadd/mall/MallOrdersPage.vue'
import { jsonResponse, makeSession } from './fixtures'

const ENTRY = { code: 'valueadd', kind: 'business' as const, name_zh: '增值服务', name_en: 'Value-added services', icon: null, launch_url: '/console/valueadd', tenant_system: false }
const STAFF = ['valueadd.redemption', 'valueadd.redemption.query', 'valueadd.redemption.redeem', 'valueadd.merchant.reconcile', 'valueadd.statement.query']
const OPERATOR = [...STAFF, 'valueadd.coupon.query', 'valueadd.coupon.issue', 'valueadd.statement.create', 'valueadd.merchant.query']

const MERCHANT = {
  id: 'm-uuid-1', org_id: 'org-uuid-1', name: '车享商城', region_code: '310100', services: ['wash'],
  stores: [{ id: 'store-uuid-1', name: '车享洗车徐汇店', address: '上海市徐汇区漕溪北路1号', region_code: '310104', latitude: null, longitude: null, active: true }],
  staff: [{ subject: 'u-1', name: '店员小王', store_id: 'store-uuid-1', store_name: '车享洗车徐汇店', active: true }], prices: [],
}
const CHECK = {
  coupon_code: 'ABCD-EFGH-JKMN', product_code: 'WASH-STD', product_name: '标准洗车券', face_value: '50.00', holder_name: '张*',
  plate_no: '沪A12345', valid_from: '2026-11-01', valid_to: '2026-12-31', merchant_name: '车享商城', store_name: '车享洗车徐汇店', settlement_price: '28.50',
}
const REDEMPTION = {
  id: 'r-uuid-1', redemption_no: 'HXABCDEFGHJKMN', coupon_code: 'ABCD-EFGH-JKMN', product_code: 'WASH-STD', product_name: '标准洗车券',
  merchant_id: 'm-uuid-1', merchant_name: '车享商城', store_name: '车享洗车徐汇店', region_code: '310104', staff_name: '店员小王',
  redeemed_at: '2026-11-20T02:00:00Z', car_model: null, settlement_price: '28.50', statement_id: null, order_no: 'OC20261120000001',
}
const problem = (status: number, code: string, errors: unknown[] = []) =>
  new Response(JSON.stringify({ status, code, errors }), { status, headers: { 'Content-Type': 'application/problem+json' } })

type Answer = (url: string, init: RequestInit) => Response
interface Call { url: string; method: string; headers: Record<string, string>; body: unknown }

async function mountPage(path: string, component: unknown, functions: string[], answer: Answer) {
  resetClientState()
  const calls: Call[] = []
  vi.stubGlobal('fetch', vi.fn((url: string, init: RequestInit = {}) => {
    calls.push({ url: String(url), method: init.method ?? 'GET', headers: (init.headers ?? {}) as Record<string, string>, body: init.body ? JSON.parse(String(init.body)) : undefined })
    return Promise.resolve(answer(String(url), init))
  }))
  configureClient({ notifyError: () => undefined })
  const pinia = createPinia()
  setActivePinia(pinia)
  useSessionStore().set(makeSession({ functions: { valueadd: functions }, entries: [ENTRY] }))
  const router = createAppRouter(createMemoryHistory())
  await router.push(path)
  const wrapper = mount(component as never, { global: { plugins: [pinia, router, createAppI18n('zh-CN'), ElementPlus], components: Icons } })
  await flushPromises()
  return { wrapper, calls }
}

describe('valueadd console: menu and words', () => {
  it('lands merchant staff on the redemption screen, operators too; every page has a Chinese title', () => {
    expect(firstPageOf('valueadd', { valueadd: STAFF })?.name).toBe('valueadd-redeem')
    expect(firstPageOf('valueadd', { valueadd: ['valueadd.coupon.query'] })?.name).toBe('valueadd-coupons')
    // Staff without coupon.query never get the coupon search or batches in their menu.
    const staffPages = consolePages.filter((p) => p.entry === 'valueadd' && p.requires.every((c) => STAFF.includes(c))).map((p) => p.name)
    expect(staffPages).toEqual(expect.arrayContaining(['valueadd-redeem', 'valueadd-redemptions', 'valueadd-statements']))
    expect(staffPages).not.toContain('valueadd-batches')
    const titles = zhCN.menu.valueadd as Record<string, string>
    for (const page of consolePages.filter((p) => p.entry === 'valueadd')) {
      expect(titles[page.title.replace('menu.valueadd.', '')]).toMatch(/[\u4e00-\u9fa5]/)
    }
  })

  it('tidies typed codes, says each redemption problem in Chinese, and never overstates progress', () => {
    expect(tidyCode(' abcd efgh-jkmn ')).toBe('ABCD-EFGH-JKMN')
    expect(tidyCode('12')).toBe('12')
    const expired = new ApiError({ status: 422, code: 'coupon_expired', errors: [{ field: 'body.code', code: 'coupon_expired', message: 'valid until 2026-12-19' }] }, 'x')
    expect(redeemMessage(expired)).toBe('卡券已过期。（有效期至 2026-12-19）')
    expect(redeemMessage(new ApiError({ status: 409, code: 'coupon_already_redeemed' }, 'x'))).toBe('卡券已核销。')
    expect(redeemMessage(new ApiError({ status: 422, code: 'region_not_allowed' }, 'x'))).toBe('该地区不适用。')
    expect(redeemMessage(new ApiError({ status: 403, code: 'not_merchant_staff' }, 'x'))).toBe('您不是该商户的员工。')
    expect(redeemMessage(new ApiError({ status: 422, code: 'product_not_redeemable_here' }, 'x'))).toBe('该产品不能在此门店核销。')
    expect(progress(0, 0)).toBe(0)
    expect(progress(999, 1000)).toBe(99)
    expect(progress(1000, 1000)).toBe(100)
  })
})

describe('valueadd console: redemption screen', () => {
  it('checks, then redeems with one idempotency key, and shows the redemption number', async () => {
    const { wrapper, calls } = await mountPage('/console/valueadd/redeem', RedeemPage, STAFF, (url) => {
      if (url.includes('/merchants/me')) return jsonResponse(MERCHANT)
      if (url.includes('/redemptions/check')) return jsonResponse(CHECK)
      if (url.match(/\/redemptions(\?|$)/) && !url.includes('?')) return jsonResponse(REDEMPTION, 201)
      return jsonResponse({ items: [], total: 0 })
    })
    await wrapper.find('[data-test="code"]').setValue('abcd efgh jkmn')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const check = calls.find((c) => c.url.endsWith('/redemptions/check'))
    expect(check?.body).toEqual({ code: 'ABCD-EFGH-JKMN', store_id: 'store-uuid-1', car_model: null })
    expect(wrapper.find('[data-test="checked"]').text()).toContain('标准洗车券')
    expect(wrapper.find('[data-test="checked"]').text()).toContain('张* 沪A12345')
    await wrapper.find('[data-test="redeem"]').trigger('click')
    await flushPromises()
    const redeems = calls.filter((c) => c.method === 'POST' && c.url.endsWith('/redemptions'))
    expect(redeems).toHaveLength(1)
    expect(redeems[0].headers['Idempotency-Key']).toMatch(/^redeem-/)
    const done = wrapper.find('[data-test="done"]').text()
    expect(done).toContain('HXABCDEFGHJKMN')
    expect(done).not.toContain('r-uuid-1')
  })

  it('says why a code cannot be redeemed, in Chinese, and offers no redeem button', async () => {
    const { wrapper } = await mountPage('/console/valueadd/redeem', RedeemPage, STAFF, (url) => {
      if (url.includes('/merchants/me')) return jsonResponse(MERCHANT)
      if (url.includes('/redemptions/check')) return problem(422, 'coupon_expired', [{ field: 'body.code', code: 'coupon_expired', message: 'valid until 2026-12-19' }])
      return jsonResponse({ items: [], total: 0 })
    })
    await wrapper.find('[data-test="code"]').setValue('ABCD-EFGH-JKMN')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-test="error"]').text()).toContain('卡券已过期。（有效期至 2026-12-19）')
    expect(wrapper.find('[data-test="redeem"]').exists()).toBe(false)
  })

  it('a retry after a lost answer sends the same key (the service answers the first redemption)', async () => {
    let attempts = 0
    const { wrapper, calls } = await mountPage('/console/valueadd/redeem', RedeemPage, ['valueadd.redemption.redeem'], (url) => {
      if (url.includes('/merchants/me')) return jsonResponse(MERCHANT)
      if (url.includes('/redemptions/check')) return jsonResponse(CHECK)
      attempts += 1
      return attempts === 1 ? problem(504, 'upstream_timeout') : jsonResponse(REDEMPTION, 200)
    })
    await wrapper.find('[data-test="code"]').setValue('ABCD-EFGH-JKMN')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    await wrapper.find('[data-test="redeem"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-test="error"]').text()).toContain('业务服务响应超时')
    await wrapper.find('[data-test="redeem"]').trigger('click')
    await flushPromises()
    const keys = calls.filter((c) => c.method === 'POST' && c.url.endsWith('/redemptions')).map((c) => c.headers['Idempotency-Key'])
    expect(keys).toHaveLength(2)
    expect(keys[0]).toBe(keys[1])
    expect(wrapper.find('[data-test="done"]').text()).toContain('HXABCDEFGHJKMN')
  })

  it('tells someone who is not a merchant\'s staff so, instead of a form', async () => {
    const { wrapper } = await mountPage('/console/valueadd/redeem', RedeemPage, STAFF, (url) =>
      url.includes('/merchants/me') ? problem(403, 'not_merchant_staff') : jsonResponse({ items: [], total: 0 }))
    expect(wrapper.text()).toContain('您不是该商户的员工。')
    expect(wrapper.find('[data-test="code"]').exists()).toBe(false)
  })
})

describe('valueadd console: coupons, batches, statements', () => {
  it('searches coupons by holder and policy no. and shows numbers, not ids', async () => {
    const coupon = {
      id: 'c-uuid-1', code: 'ABCD-EFGH-JKMN', status: 'issued', batch_no: 'FQ20261120000001', batch_kind: 'insurer', product_code: 'WASH-STD',
      product_name: '标准洗车券', face_value: '50.00', holder_ref: 'C-1', holder_name: '张三', holder_mobile_masked: '138****0000', plate_no: '沪A12345',
      vin: null, policy_no: 'PDAA202631010000001', valid_from: '2026-11-20', valid_to: '2026-12-19', issued_at: '2026-11-20T02:00:00Z',
      redeemed_at: null, settled_at: null, trail: [],
    }
    const { wrapper, calls } = await mountPage('/console/valueadd/coupons', CouponsPage, OPERATOR, () => jsonResponse({ items: [coupon], total: 1 }))
    await wrapper.find('[data-test="holder"]').setValue('沪A12345')
    await wrapper.find('[data-test="policy"]').setValue('PDAA202631010000001')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const last = calls[calls.length - 1].url
    expect(last).toContain('holder=%E6%B2%AAA12345')
    expect(last).toContain('policy_no=PDAA202631010000001')
    const text = wrapper.text()
    expect(text).toContain('ABCD-EFGH-JKMN')
    expect(text).toContain('保司发券')
    expect(text).toContain('已发放')
    expect(text).not.toContain('c-uuid-1')
  })

  it('shows batch progress as issued of quantity', async () => {
    const batch = { id: 'b-uuid-1', batch_no: 'FQ20261120000002', kind: 'self_issued', product_id: 'p', product_code: 'WASH-STD', product_name: '标准洗车券', quantity: 200, issued_count: 50, policy_no: null, note: '双十一', created_by: 'u-1', created_at: '2026-11-20T02:00:00Z' }
    const { wrapper } = await mountPage('/console/valueadd/batches', BatchesPage, OPERATOR, (url) => jsonResponse(url.includes('/batches') ? [batch] : []))
    const text = wrapper.text()
    expect(text).toContain('FQ20261120000002')
    expect(text).toContain('50 / 200')
    expect(text).toContain('继续发券')
  })

  it('lets the merchant confirm or dispute a line of an open statement', async () => {
    const statement = {
      id: 's-uuid-1', statement_no: 'DZ20261130000001', merchant_id: 'm-uuid-1', merchant_name: '车享商城', period_from: '2026-11-01', period_to: '2026-11-30',
      status: 'open', line_count: 1, total: '28.50', confirmed_total: '0.00', created_by: 'u-9', created_at: '2026-11-30T02:00:00Z',
      confirmed_by: null, confirmed_at: null, paid_at: null, payout_order_no: null, settlement_order_nos: [],
      lines: [{ redemption_no: 'HXABCDEFGHJKMN', coupon_code: 'ABCD-EFGH-JKMN', product_code: 'WASH-STD', product_name: '标准洗车券', store_name: '车享洗车徐汇店', redeemed_at: '2026-11-20T02:00:00Z', settlement_price: '28.50', status: 'pending', dispute_reason: null, decided_by: null, decided_at: null }],
    }
    const { wrapper, calls } = await mountPage('/console/valueadd/statements', StatementsPage, STAFF, (url, init) => {
      if (init.method === 'POST') return jsonResponse({ ...statement, lines: [{ ...statement.lines[0], status: 'confirmed' }], confirmed_total: '28.50' })
      return jsonResponse(url.endsWith('/statements') ? [statement] : statement)
    })
    expect(wrapper.text()).toContain('DZ20261130000001')
    expect(wrapper.text()).toContain('待确认')
    await wrapper.find('.el-table__row').trigger('click')
    await flushPromises()
    const confirm = wrapper.findAll('button').find((b) => b.text() === '确认')
    expect(confirm).toBeTruthy()
    await confirm!.trigger('click')
    await flushPromises()
    expect(calls.some((c) => c.method === 'POST' && c.url.endsWith('/statements/s-uuid-1/lines/HXABCDEFGHJKMN/confirm'))).toBe(true)
    // Staff without statement.create are not offered to make statements.
    expect(wrapper.text()).not.toContain('生成对账单')
  })
})

describe('valueadd console: mall', () => {
  const MALL = ['valueadd.mall', 'valueadd.mall.query', 'valueadd.mall.manage', 'valueadd.mall.order']

  it('shows products with their SKUs\' prices and stock in yuan', async () => {
    const product = {
      id: 'p-uuid-1', code: 'WASH-PLUS', name: '精致洗车套餐', service: 'wash', description: null, active: true, created_by: 'u-1', created_at: '2026-11-20T02:00:00Z',
      skus: [{ id: 'sku-uuid-1', sku_code: 'WASH-PLUS-5', name: '5 次卡', price: '179.00', market_price: '290.00', cost: '120.00', stock: 199 }],
    }
    const { wrapper } = await mountPage('/console/valueadd/mall/products', MallProductsPage, MALL, () => jsonResponse([product]))
    const text = wrapper.text()
    expect(text).toContain('精致洗车套餐')
    expect(text).toContain('洗车')
    expect(text).toContain('WASH-PLUS-5')
    expect(text).toContain('¥179.00')
    expect(text).toContain('¥290.00')
    expect(text).toContain('199')
    expect(text).toContain('补充库存')
    expect(text).not.toContain('sku-uuid-1')
  })

  it('lists mall orders by number with their payment state and the order center\'s order', async () => {
    const order = {
      id: 'o-uuid-1', order_no: 'SC20261120000001', product_name: '精致洗车套餐', sku_code: 'WASH-PLUS-5', sku_name: '5 次卡', quantity: 1,
      unit_price: '179.00', amount: '179.00', buyer_ref: 'DEMO-C-0001', buyer_name: '张三', status: 'paid', payment_channel: 'wechat_pay',
      payment_txn_no: 'DEMO-WX-0001', paid_at: '2026-11-20T02:00:00Z', created_by: 'u-1', created_at: '2026-11-20T02:00:00Z', center_order_no: 'OC20261120000009',
    }
    const { wrapper, calls } = await mountPage('/console/valueadd/mall/orders', MallOrdersPage, MALL, () => jsonResponse({ items: [order], total: 1 }))
    const text = wrapper.text()
    expect(text).toContain('SC20261120000001')
    expect(text).toContain('已支付')
    expect(text).toContain('微信支付 DEMO-WX-0001')
    expect(text).toContain('OC20261120000009')
    expect(text).not.toContain('o-uuid-1')
    await wrapper.find('[data-test="order-no"]').setValue('SC20261120000001')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(calls[calls.length - 1].url).toContain('order_no=SC20261120000001')
    expect(firstPageOf('valueadd', { valueadd: MALL })?.name).toBe('valueadd-mall-products')
  })
})
