/**
 * Region names (行政区划) for the codes the platform's demo data and tests use: provinces and
 * their main cities (GB/T 2260). Not the whole table: an unknown code is shown as the code.
 */
const REGIONS: Record<string, string> = {
  '110000': '北京市', '110100': '北京市市辖区',
  '120000': '天津市', '120100': '天津市市辖区',
  '310000': '上海市', '310100': '上海市市辖区',
  '500000': '重庆市', '500100': '重庆市市辖区',
  '320000': '江苏省', '320100': '南京市', '320500': '苏州市',
  '330000': '浙江省', '330100': '杭州市', '330200': '宁波市',
  '340000': '安徽省', '340100': '合肥市',
  '350000': '福建省', '350100': '福州市', '350200': '厦门市',
  '370000': '山东省', '370100': '济南市', '370200': '青岛市',
  '410000': '河南省', '410100': '郑州市',
  '420000': '湖北省', '420100': '武汉市',
  '430000': '湖南省', '430100': '长沙市',
  '440000': '广东省', '440100': '广州市', '440300': '深圳市', '440600': '佛山市', '441900': '东莞市',
  '510000': '四川省', '510100': '成都市',
  '610000': '陕西省', '610100': '西安市',
}

export function regionName(code: string | null | undefined): string {
  if (!code) return ''
  return REGIONS[code] ?? code
}

/** "广东省 / 深圳市", or "—" without a region. */
export function regionText(region: { province_code?: string | null; city_code?: string | null } | null | undefined): string {
  if (!region?.province_code) return '—'
  return [region.province_code, region.city_code].filter(Boolean).map((c) => regionName(c)).join(' / ')
}
