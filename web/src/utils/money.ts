/**
 * Money arrives from the APIs as exact decimal strings in yuan ("1280.50", "-3.10").
 * It is never parsed to a float: formatting is string work, arithmetic is done on integer
 * fen held in BigInt.
 */

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/

/** Yuan string → integer fen (BigInt). Throws on anything that is not a plain decimal. */
export function toFen(yuan: string | number | bigint): bigint {
  if (typeof yuan === 'bigint') return yuan * 100n
  if (typeof yuan === 'number') {
    if (!Number.isInteger(yuan)) throw new Error('pass money as a decimal string, not a float')
    return BigInt(yuan) * 100n
  }
  const m = DECIMAL.exec(yuan.trim())
  if (!m) throw new Error(`not an amount: ${yuan}`)
  const [, sign, whole, frac = ''] = m
  if (frac.length > 2 && /[1-9]/.test(frac.slice(2))) {
    throw new Error(`more than two decimal places: ${yuan}`)
  }
  const fen = BigInt(whole) * 100n + BigInt((frac + '00').slice(0, 2))
  return sign === '-' ? -fen : fen
}

/** Integer fen → plain yuan string with two decimals ("-1234.50"). */
export function fenToYuan(fen: bigint): string {
  const negative = fen < 0n
  const abs = negative ? -fen : fen
  const whole = abs / 100n
  const cents = (abs % 100n).toString().padStart(2, '0')
  return `${negative ? '-' : ''}${whole}.${cents}`
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/**
 * "1234.5" → "¥1,234.50"; "-0.3" → "-¥0.30"; null/'' → "—".
 * `symbol: false` leaves the currency sign off (tables with a 元 column header).
 */
export function formatYuan(
  value: string | bigint | null | undefined,
  options: { symbol?: boolean } = {},
): string {
  if (value === null || value === undefined || value === '') return '—'
  let fen: bigint
  try {
    fen = typeof value === 'bigint' ? value : toFen(value)
  } catch {
    return String(value) // not a plain decimal: show it as sent rather than guess
  }
  const plain = fenToYuan(fen)
  const negative = plain.startsWith('-')
  const [whole, cents] = (negative ? plain.slice(1) : plain).split('.')
  const body = `${groupThousands(whole)}.${cents}`
  const symbol = options.symbol === false ? '' : '¥'
  return `${negative ? '-' : ''}${symbol}${body}`
}

/** Sum yuan strings exactly; answers a yuan string. */
export function sumYuan(values: Array<string | null | undefined>): string {
  let total = 0n
  for (const v of values) if (v) total += toFen(v)
  return fenToYuan(total)
}

/** For chart axes only (display, never arithmetic on money): yuan as a JS number. */
export function yuanForChart(value: string): number {
  return Number(toFen(value)) / 100
}

/** Normalise what a person typed ("1,234.5", "¥ 12") into a yuan string the APIs accept. */
export function parseYuanInput(text: string): string | null {
  const cleaned = text.replace(/[¥,\s元]/g, '')
  if (cleaned === '') return null
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null
  return fenToYuan(toFen(cleaned))
}
