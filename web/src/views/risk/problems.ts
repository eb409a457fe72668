/** zh-CN words for the risk service's problem codes and fields (the console speaks Chinese). */
import { reactive } from 'vue'
import { ElMessage } from 'element-plus'
import { ApiError, formField } from '@/api/client'

export const PROBLEMS_ZH: Record<string, string> = {
  validation_failed: '填写有误，请按提示修改',
  reference_reused: '该外部单号已用于另一辆车或另一家保险公司',
  request_not_found: '评估单不存在或无权查看',
  assessment_not_found: '评估结果不存在或无权查看',
  no_live_scorecard: '当前没有生效的评分卡版本，无法评估',
  nothing_to_override: '该评估单尚无评估结果，无法改判',
  illegal_transition: '评估单当前状态不允许此操作',
  org_not_visible: '无权为该机构操作',
  no_payees: '该评估单没有业务员',
  import_rejected: '导入文件有错误行，未导入任何数据',
  file_unreadable: '文件无法读取（请使用 UTF-8 CSV 或 XLSX，并包含必需的列）',
  file_too_long: '文件行数超过上限',
  payload_too_large: '文件超过 5 MB',
  scorecard_not_found: '评分卡版本不存在',
  scorecard_published: '已发布的版本不可修改，请基于它新建草稿',
  what_if_required: '发布前请先做试算对比（what-if）',
  effective_in_past: '生效日期不能早于今天',
  definition_required: '请填写评分卡内容或选择基准版本',
  platform_operator_only: '评分卡仅由平台运营维护',
  export_not_found: '导出任务不存在',
  export_not_ready: '导出尚未完成',
  batch_not_found: '对账批次不存在或无权查看',
  item_not_found: '批次中无此评估',
  batch_not_open: '批次已确认，明细不可再改',
  nothing_to_reconcile: '该期间没有待对账的已评估业务',
  items_undecided: '仍有待确认或有争议的明细',
  nothing_accepted: '保司未确认任何评估，无需开单',
  payees_unconfirmed: '请先确认这些评估单的业务员分配比例',
  statement_rejected: '对账回单有无法识别的行，未做任何更新',
  function_not_granted: '您的机构或角色没有此功能权限',
}

export const FIELDS_ZH: Record<string, string> = {
  reference: '外部单号', applicant_org_id: '申请机构', 'insurer.code': '保险公司代码', 'insurer.name': '保险公司',
  'vehicle.vin': '车架号', 'vehicle.plate_no': '号牌号码', 'vehicle.register_date': '初次登记日期',
  'vehicle.use_nature': '使用性质', 'vehicle.region_code': '地区代码', 'inspection.form_version': '验车单版本',
  'inspection.document.operator': '验车人', 'inspection.document.inspected_at': '验车时间',
  'inspection.document.place': '验车地点', 'inspection.document.mileage_km': '表显里程', payees: '业务员及比例',
  grade: '等级', decision: '结论', reason: '原因', insurer_code: '保险公司代码', period_from: '开始日期', period_to: '结束日期',
  unit_fee: '评估服务费', promoter_fee: '推广服务费', result: '对账结果', file: '文件', effective_from: '生效日期',
  name: '名称', definition: '评分卡内容', status: '状态',
}

const CODES_ZH: Record<string, string> = {
  missing: '必填', value_error: '格式不正确', enum: '不是可选值', in_future: '不能晚于今天',
  shares_not_whole: '比例合计须为 100%', payee_repeated: '业务员重复', unknown_form_version: '未知的验车单版本',
  unknown_fact: '未知的评分因子', reference_repeated: '文件内外部单号重复', reference_reused: '外部单号已被占用',
  date_from_datetime_parsing: '日期格式应为 YYYY-MM-DD', int_parsing: '应为整数', unknown_result: '结果应为 通过/拒绝/争议',
}

export function fieldLabel(field: string): string {
  const key = formField(field)
  if (FIELDS_ZH[key]) return FIELDS_ZH[key]
  // payees.0.share → payees; inspection.document.damage_items.2.part → … the nearest known
  const parts = key.split('.').filter((p) => !/^\d+$/.test(p))
  for (let n = parts.length; n > 0; n--) {
    const label = FIELDS_ZH[parts.slice(0, n).join('.')]
    if (label) return label
  }
  return key
}

export function codeLabel(code: string | undefined, fallback: string): string {
  return (code && CODES_ZH[code]) || fallback
}

/** The problem in Chinese: its code's words, then each field error. */
export function riskMessage(e: ApiError): string {
  const head = PROBLEMS_ZH[e.code] ?? e.message
  const fields = (e.problem.errors ?? []).slice(0, 5).map((f) => `${fieldLabel(f.field)}：${codeLabel(f.code, f.message)}`)
  return fields.length ? `${head}（${fields.join('；')}）` : head
}

/** Run an action; on a problem show it in Chinese and put the field errors on the form. */
export function useRiskSubmit() {
  const errors = reactive<Record<string, string>>({})
  async function submit<T>(action: () => Promise<T>): Promise<T | undefined> {
    for (const key of Object.keys(errors)) delete errors[key]
    try {
      return await action()
    } catch (e) {
      if (e instanceof ApiError) {
        for (const f of e.problem.errors ?? []) {
          const key = formField(f.field)
          if (!(key in errors)) errors[key] = codeLabel(f.code, f.message)
        }
        if (e.status !== 401) ElMessage({ type: 'error', message: riskMessage(e), showClose: true, duration: 8000 })
        return undefined
      }
      throw e
    }
  }
  return { errors, submit }
}

export const DECISIONS = [
  { value: 'accept', label: '通过' },
  { value: 'review', label: '人工复核' },
  { value: 'decline', label: '拒绝' },
]
export const USE_NATURES = [
  { value: 'private', label: '家庭自用' },
  { value: 'non_operating', label: '企业非营业' },
  { value: 'operating_passenger', label: '营业客运' },
  { value: 'operating_freight', label: '营业货运' },
]
export const REQUEST_STATUSES = [
  { value: 'submitted', label: '待评估' }, { value: 'assessed', label: '已评估' }, { value: 'review', label: '待人工复核' },
  { value: 'declined', label: '已拒绝' }, { value: 'in_statement', label: '对账中' }, { value: 'accepted', label: '保司确认' },
  { value: 'rejected', label: '保司拒绝' }, { value: 'disputed', label: '有争议' }, { value: 'billed', label: '已开单' },
  { value: 'settled', label: '已结算' },
]
export const SEVERITY_ZH: Record<string, string> = { minor: '轻微', moderate: '中等', severe: '严重' }
export const decisionTag = (d: string | null) => (d === 'accept' ? 'success' : d === 'review' ? 'warning' : d === 'decline' ? 'danger' : 'info')
