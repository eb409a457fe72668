import { describe, expect, it } from 'vitest'
import { fenToYuan, formatYuan, parseYuanInput, sumYuan, toFen } from '@/utils/money'
import { formatDate, formatDateTime, formatDuration, shanghaiDayStartUtc } from '@/utils/date'

describe('money', () => {
  it('formats yuan strings with thousands separators and two decimals', () => {
    expect(formatYuan('1234.56')).toBe('¥1,234.56')
    expect(formatYuan('1234.5')).toBe('¥1,234.50')
    expect(formatYuan('0')).toBe('¥0.00')
    expect(formatYuan('1280')).toBe('¥1,280.00')
    expect(formatYuan('9999999999.99')).toBe('¥9,999,999,999.99')
    expect(formatYuan('-1234567.8')).toBe('-¥1,234,567.80')
    expect(formatYuan('123.45', { symbol: false })).toBe('123.45')
    expect(formatYuan(null)).toBe('—')
  })

  it('keeps amounts beyond float precision exact', () => {
    // 2^53 + 1 fen would round as a float; BigInt keeps it.
    expect(formatYuan('90071992547409.93')).toBe('¥90,071,992,547,409.93')
    expect(sumYuan(['0.10', '0.20'])).toBe('0.30')
    expect(sumYuan(['1000000000000.01', '0.02', null])).toBe('1000000000000.03')
  })

  it('converts between yuan and fen without floats', () => {
    expect(toFen('12.34')).toBe(1234n)
    expect(toFen('-0.05')).toBe(-5n)
    expect(toFen('7')).toBe(700n)
    expect(toFen('1.230')).toBe(123n)
    expect(fenToYuan(-5n)).toBe('-0.05')
    expect(() => toFen('1.234')).toThrow()
    expect(() => toFen('abc')).toThrow()
    expect(() => toFen(1.5)).toThrow()
  })

  it('reads what people type', () => {
    expect(parseYuanInput('¥1,234.5')).toBe('1234.50')
    expect(parseYuanInput('12 元')).toBe('12.00')
    expect(parseYuanInput('1.234')).toBeNull()
    expect(parseYuanInput('')).toBeNull()
  })
})

describe('dates in Asia/Shanghai', () => {
  it('shows UTC instants in Shanghai time', () => {
    expect(formatDateTime('2026-11-25T12:00:00Z')).toBe('2026-11-25 20:00:00')
    expect(formatDateTime('2026-11-25T17:30:05+00:00')).toBe('2026-11-26 01:30:05')
  })

  it('takes the Shanghai calendar day of an instant, and business dates as they are', () => {
    expect(formatDate('2026-11-25T18:00:00Z')).toBe('2026-11-26')
    expect(formatDate('2026-11-25')).toBe('2026-11-25')
    expect(formatDate(null)).toBe('—')
  })

  it('knows where a Shanghai day starts in UTC', () => {
    expect(shanghaiDayStartUtc('2026-11-25')).toBe('2026-11-24T16:00:00.000Z')
  })

  it('writes durations', () => {
    expect(formatDuration(90061)).toBe('1d 1h')
    expect(formatDuration(3660)).toBe('1h 1m')
    expect(formatDuration(59)).toBe('59s')
    expect(formatDuration(null)).toBe('—')
  })
})
