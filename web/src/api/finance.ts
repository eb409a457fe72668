/** Finance (entry `finance`): /api/finance/v1/… → finance /v1/… */
import { api, download, type Query } from './client'

const base = '/api/finance/v1'
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

export interface Buyer { name: string; tax_id: string; address?: string | null; bank_account?: string | null }
/** An order as a line names it: people type its number (订单号), machines its id. */
export type OrderRef = { order_id: string; order_no?: undefined } | { order_no: string; order_id?: undefined }
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export function orderRef(typed: string): OrderRef {
  const text = typed.trim()
  return UUID.test(text) ? { order_id: text } : { order_no: text.toUpperCase() }
}
export interface MatchSuggestion { order_id: string; order_no: string; customer_org_id: string; outstanding: string; reference: string; invoice_id: string | null }

export interface PartnerCode { org_id: string; customer_code: string | null; supplier_code: string | null; updated_by: string; updated_at: string }
export interface AccountMapping { category: string; direction: string; account_code: string; updated_by: string; updated_at: string }
export interface Closing { legal_entity: string; month: string; lines: number; closed_by: string; closed_at: string }

export interface BuyerRecord extends Buyer { customer_org_id: string; updated_by: string; updated_at: string }
export interface ApplicationLine { line_no: number; order_id: string; description: string; tax_code: string; tax_rate: string; amount: string; tax: string }
export interface Invoice {
  id: string; invoice_no: string; kind: 'blue' | 'red'; application_id: string; original_invoice_id: string | null
  legal_entity: string; customer_org_id: string; amount: string; tax: string; reversed_amount: string; issue_date: string
  reason: string | null; note: string | null; journal_entry_id: string; issued_by: string; issued_at: string
  orders: { order_id: string; amount: string; tax: string }[]
}
export interface InvoiceApplication {
  id: string; application_no: string; legal_entity: string; customer_org_id: string; invoice_type: string; buyer: Buyer | null
  amount: string; tax: string; status: 'applied' | 'issued' | 'rejected' | 'withdrawn'; note: string | null; settlement_list_id: string | null
  applied_by: string; applied_at: string; decided_by: string | null; decided_at: string | null; decision_reason: string | null
  lines: ApplicationLine[]; invoices: Invoice[]
}
export interface BankAccount { account_no: string; name: string; bank_name: string; legal_entity: string; ledger_account: string; created_by: string; created_at: string }
export interface StatementLine {
  id: string; bank_account: string; serial_no: string; transacted_at: string; income: string; expense: string
  counterparty_name: string; counterparty_account: string; memo: string; balance: string | null; imported_by: string; imported_at: string; receipt_id: string | null
}
export interface StatementImportResult {
  bank_account: string; dry_run: boolean; rows: number; new_lines: number; duplicates: number; receipts: number; matched: number; to_check: number
  errors: { row: number; column: string; code: string; message: string; value: string | null }[]
}
export interface Allocation {
  id: string; batch_id: string; receipt_id: string; order_id: string; order_no: string; customer_org_id: string; invoice_id: string | null
  amount: string; shortfall: string; rule: string; allocated_by: string; allocated_at: string; reversed_by: string | null; reversed_at: string | null; reversal_reason: string | null
}
export interface Receipt {
  id: string; receipt_no: string; source: string; bank_account: string | null; legal_entity: string; merchant_order_no: string | null
  payer_name: string; payer_account: string; memo: string; received_at: string; amount: string; allocated: string; unallocated: string
  status: string; to_check: boolean; customer_org_id: string | null; allocations: Allocation[] | null
}
export interface SettlementItem {
  order_id: string; order_no: string; customer_org_id: string; category: string; direction: string; amount: string; outstanding: string
  invoiced: string; invoice_pending: string; uninvoiced: string; currency: string; account_code: string; recorded_at: string
}
export interface PaymentRequest {
  id: string; request_no: string; payee_type: string; payee_id: string; payee_name: string; payee_bank_account: string; payee_bank_name: string
  payer_bank_account: string; legal_entity: string; customer_org_id: string; amount: string; approvals_required: number; status: string
  origin: string; merchant_order_no: string | null; note: string | null; requested_by: string; requested_at: string; bank_reference: string | null
  paid_by: string | null; paid_at: string | null; rejected_by: string | null; rejected_at: string | null; reject_reason: string | null
  lines: { order_id: string; order_no: string; amount: string }[]; approvals: { approver: string; step: number; comment: string | null; approved_at: string }[]
}
export interface FundTransfer {
  id: string; transfer_no: string; from_account: string; to_account: string; amount: string; bank_reference: string | null
  memo: string | null; transferred_at: string; created_by: string; created_at: string
}
export interface OrgBalance {
  org_id: string; balance: string
  entries: { seq: number; kind: string; amount: string; balance_after: string; reference: string; memo: string | null; created_by: string; created_at: string }[]
}
export interface ApprovalLevel { min_amount: string; approvals_required: number; updated_by: string; updated_at: string }
export interface ChannelBill {
  id: string; channel: string; merchant_id: string; legal_entity: string; bill_date: string; filename: string; line_count: number
  total_amount: string; refund_amount: string; fee: string; imported_by: string; imported_at: string; reconciled_by: string | null
  reconciled_at: string | null; already_imported: boolean
}
export interface Reconciliation {
  bill: ChannelBill; counts: Record<string, number>; fee_posted: string
  items: { merchant_order_no: string; outcome: string; kind: string; bill_amount: string | null; book_amount: string | null; fee: string; receipt_id: string | null; payment_request_id: string | null }[]
}
export interface SummaryRow {
  customer_org_id: string | null; receivable: string; receivable_cleared: string; receivable_balance: string; payable: string
  payable_cleared: string; payable_balance: string; received: string; paid: string; revenue: string; cost: string; profit: string
}
export interface SummaryReport { legal_entity: string; date_from: string; date_to: string; rows: SummaryRow[]; total: SummaryRow }
export interface AgingRow { customer_org_id: string | null; d0_30: string; d31_60: string; d61_90: string; over_90: string; balance: string }
export interface AgingReport { legal_entity: string; side: string; as_of: string; rows: AgingRow[]; total: AgingRow }
export interface DailyReport {
  legal_entity: string; day: string; received: string; paid: string; debit: string; credit: string
  rows: { account_code: string; account_name: string | null; opening: string; debit: string; credit: string; closing: string }[]
}
export interface VatReport {
  legal_entity: string; date_from: string; date_to: string; net_amount: string; net_tax: string; ledger_output_vat: string
  rows: { kind: string; tax_rate: string; invoices: number; amount: string; net: string; tax: string }[]
}
export interface YonyouExport {
  id: string; legal_entity: string; date_from: string | null; date_to: string; voucher_types: string; voucher_count: number
  line_count: number; debit_total: string; created_by: string; created_at: string; file: string
}

export const financeApi = {
  applications: (query: Query) => api.get<InvoiceApplication[]>(`${base}/invoices/applications`, { query }),
  application: (id: string) => api.get<InvoiceApplication>(`${base}/invoices/applications/${id}`),
  apply: (body: Record<string, unknown>) => api.post<InvoiceApplication>(`${base}/invoices/applications`, body, { notify: false }),
  issue: (id: string, body: Record<string, unknown>) => api.post<InvoiceApplication>(`${base}/invoices/applications/${id}/issue`, body, { notify: false }),
  reject: (id: string, reason: string) => api.post<InvoiceApplication>(`${base}/invoices/applications/${id}/reject`, { reason }),
  withdraw: (id: string, reason: string) => api.post<InvoiceApplication>(`${base}/invoices/applications/${id}/withdraw`, { reason }),
  buyers: () => api.get<BuyerRecord[]>(`${base}/invoices/buyers`),
  buyer: (orgId: string) => api.get<BuyerRecord>(`${base}/invoices/buyers/${orgId}`, { notify: false }),
  saveBuyer: (orgId: string, body: Buyer) => api.put<BuyerRecord>(`${base}/invoices/buyers/${orgId}`, body, { notify: false }),
  redLetter: (invoiceId: string, body: Record<string, unknown>) => api.post<Invoice>(`${base}/invoices/${invoiceId}/red-letters`, body, { notify: false }),

  bankAccounts: () => api.get<BankAccount[]>(`${base}/bank-accounts`),
  addBankAccount: (body: Record<string, unknown>) => api.post<BankAccount>(`${base}/bank-accounts`, body, { notify: false }),
  importStatement: (file: File, bankAccount: string, dryRun: boolean) =>
    api.post<StatementImportResult>(`${base}/bank-statements/imports`, file, {
      query: { bank_account: bankAccount, filename: file.name, dry_run: dryRun },
      headers: { 'Content-Type': file.name.toLowerCase().endsWith('.xlsx') ? XLSX : 'text/csv' },
    }),
  statementLines: (query: Query) => api.get<StatementLine[]>(`${base}/bank-statements`, { query }),

  receipts: (query: Query) => api.get<Receipt[]>(`${base}/receipts`, { query }),
  receipt: (id: string) => api.get<Receipt>(`${base}/receipts/${id}`),
  /** Open receivables the receipt's memo quotes (order, invoice or application numbers). */
  suggestions: (id: string) => api.get<MatchSuggestion[]>(`${base}/receipts/${id}/suggestions`, { notify: false }),
  allocate: (id: string, body: { lines: (OrderRef & { amount: string })[]; remember_payer: boolean }) =>
    api.post<Receipt>(`${base}/receipts/${id}/allocations`, body, { notify: false }),
  unallocate: (id: string, batchId: string, reason: string) => api.post<Receipt>(`${base}/receipts/${id}/allocations/${batchId}/reversal`, { reason }),
  rematch: () => api.post<{ examined: number; matched: number; to_check: number }>(`${base}/receipts/matching-runs`),
  allocations: (query: Query) => api.get<Allocation[]>(`${base}/allocations`, { query }),
  partners: () => api.get<PartnerCode[]>(`${base}/yonyou/partners`),
  setPartner: (orgId: string, body: { customer_code: string | null; supplier_code: string | null }) =>
    api.put<PartnerCode>(`${base}/yonyou/partners/${orgId}`, body, { notify: false }),
  accountMappings: () => api.get<AccountMapping[]>(`${base}/account-mappings`),
  setAccountMapping: (direction: string, category: string, accountCode: string) =>
    api.put<AccountMapping>(`${base}/account-mappings/${direction}/${category}`, { account_code: accountCode }, { notify: false }),
  closings: (legalEntity?: string) => api.get<Closing[]>(`${base}/ledger/closings`, { query: { legal_entity: legalEntity } }),
  closeMonth: (legalEntity: string, month: string) => api.post<Closing[]>(`${base}/ledger/closings`, { legal_entity: legalEntity, month }, { notify: false }),
  settlementItem: (orderId: string) => api.get<SettlementItem>(`${base}/settlement-items/${orderId}`, { notify: false }),

  paymentRequests: (query: Query) => api.get<PaymentRequest[]>(`${base}/payment-requests`, { query }),
  createPaymentRequest: (body: Record<string, unknown>) => api.post<PaymentRequest>(`${base}/payment-requests`, body, { notify: false }),
  approve: (id: string, comment?: string) => api.post<PaymentRequest>(`${base}/payment-requests/${id}/approvals`, { comment: comment || null }),
  rejectPayment: (id: string, reason: string) => api.post<PaymentRequest>(`${base}/payment-requests/${id}/rejection`, { reason }),
  pay: (id: string, bankReference: string) => api.post<PaymentRequest>(`${base}/payment-requests/${id}/payment`, { bank_reference: bankReference }),
  fundTransfers: (query: Query) => api.get<FundTransfer[]>(`${base}/fund-transfers`, { query }),
  recordTransfer: (body: Record<string, unknown>) => api.post<FundTransfer>(`${base}/fund-transfers`, body, { notify: false }),
  orgBalance: (orgId: string) => api.get<OrgBalance>(`${base}/org-balances/${orgId}`),
  topUp: (orgId: string, body: Record<string, unknown>) => api.post<OrgBalance>(`${base}/org-balances/${orgId}/top-ups`, body, { notify: false }),
  approvalLevels: () => api.get<ApprovalLevel[]>(`${base}/approval-levels`),

  channelBills: (query: Query) => api.get<ChannelBill[]>(`${base}/channel-bills`, { query }),
  importBill: (file: File, channel: string, legalEntity: string) =>
    api.post<ChannelBill>(`${base}/channel-bills`, file, {
      query: { channel, legal_entity: legalEntity, filename: file.name },
      headers: { 'Content-Type': file.name.toLowerCase().endsWith('.zip') ? 'application/zip' : 'text/csv' },
    }),
  reconcile: (id: string) => api.post<Reconciliation>(`${base}/channel-bills/${id}/reconciliation`),
  reconciliation: (id: string, outcome?: string) => api.get<Reconciliation>(`${base}/channel-bills/${id}/reconciliation`, { query: { outcome } }),

  summary: (query: Query) => api.get<SummaryReport>(`${base}/reports/summary`, { query }),
  aging: (query: Query) => api.get<AgingReport>(`${base}/reports/aging`, { query }),
  daily: (query: Query) => api.get<DailyReport>(`${base}/reports/daily`, { query }),
  outputVat: (query: Query) => api.get<VatReport>(`${base}/reports/output-vat`, { query }),
  reportXlsx: (report: 'summary' | 'aging' | 'daily' | 'output-vat', query: Query) =>
    download(`${base}/reports/${report}/xlsx`, `${report}.xlsx`, query),

  yonyouExports: (legalEntity?: string) => api.get<YonyouExport[]>(`${base}/yonyou/exports`, { query: { legal_entity: legalEntity } }),
  yonyouExport: (body: Record<string, unknown>) => api.post<YonyouExport>(`${base}/yonyou/exports`, body, { notify: false }),
  yonyouFile: (id: string) => download(`${base}/yonyou/exports/${id}/file`, `u8-${id}.csv`),
}
