import { describe, expect, it } from 'vitest'
import { orderRef } from '@/api/finance'
import { formField } from '@/api/client'
import { noteText } from '@/orders/notes'
import { regionName, regionText } from '@/utils/regions'

describe('business numbers and labels where people read and type', () => {
  it('sends a typed order number as order_no and an id as order_id', () => {
    expect(orderRef(' oc20261204000001 ')).toEqual({ order_no: 'OC20261204000001' })
    expect(orderRef('0192f0c2-7c1e-7a11-8d2e-3b4c5d6e7f80')).toEqual({ order_id: '0192f0c2-7c1e-7a11-8d2e-3b4c5d6e7f80' })
  })

  it("puts the services' list-item errors on the same form field as pydantic's", () => {
    expect(formField('body.lines[2].order_no')).toBe('lines.2.order_no')
    expect(formField('body.lines.2.order_no')).toBe('lines.2.order_no')
  })

  it("shows finance's trajectory notes in Chinese, a person's note as typed", () => {
    expect(noteText('invoice INV0001 issued', 'zh-CN')).toBe('发票 INV0001 已开具')
    expect(noteText('invoice application IA20261204000001 withdrawn: 金额有误', 'zh-CN')).toBe('开票申请 IA20261204000001 已撤回：金额有误')
    expect(noteText('receipt bank:R1 allocated', 'zh-CN')).toBe('收款 bank:R1 已分配')
    expect(noteText('red-letter invoice R1 reverses B1 (销售折让) — 部分退款', 'zh-CN')).toBe('红字发票 R1 冲销 B1（销售折让）——部分退款')
    expect(noteText('客户要求取消', 'zh-CN')).toBe('客户要求取消')
    expect(noteText('invoice INV0001 issued', 'en')).toBe('invoice INV0001 issued')
  })

  it('names regions instead of codes', () => {
    expect(regionName('440000')).toBe('广东省')
    expect(regionText({ province_code: '440000', city_code: '440300' })).toBe('广东省 / 深圳市')
    expect(regionText({ province_code: '999999', city_code: null })).toBe('999999')
    expect(regionText(null)).toBe('—')
  })
})
