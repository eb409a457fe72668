/**
 * Every console page, the entry it belongs to and the functions it needs (all of them).
 * The left menu and the route guard both read this list: a page whose functions the user
 * lacks is neither shown nor routable.
 */
import type { Component } from 'vue'

export interface ConsolePage {
  /** Route name, unique. */
  name: string
  /** Path under /console/<entry>/. */
  path: string
  entry: string
  /** i18n key of the menu label and page title. */
  title: string
  /** Function codes the page needs (all of them); the entry is `entry`. */
  requires: string[]
  /** Element Plus icon component name. */
  icon?: string
  /** false: routable (detail pages) but not a menu item. */
  menu?: boolean
  component: () => Promise<{ default: Component }>
}

export const consolePages: ConsolePage[] = [
  // Administration (平台管理, entry `sso`)
  { name: 'admin-institutions', path: 'institutions', entry: 'sso', title: 'menu.admin.institutions', requires: ['sso.admin.institution.query'], icon: 'OfficeBuilding', component: () => import('@/views/admin/InstitutionsPage.vue') },
  { name: 'admin-users', path: 'users', entry: 'sso', title: 'menu.admin.users', requires: ['sso.admin.user.query'], icon: 'User', component: () => import('@/views/admin/UsersPage.vue') },
  { name: 'admin-roles', path: 'roles', entry: 'sso', title: 'menu.admin.roles', requires: ['sso.admin.role.query'], icon: 'Key', component: () => import('@/views/admin/RolesPage.vue') },
  { name: 'admin-entitlements', path: 'entitlements', entry: 'sso', title: 'menu.admin.entitlements', requires: ['sso.admin.entitlement.query'], icon: 'Finished', component: () => import('@/views/admin/EntitlementsPage.vue') },
  { name: 'admin-packages', path: 'packages', entry: 'sso', title: 'menu.admin.packages', requires: ['sso.admin.package.query'], icon: 'Box', component: () => import('@/views/admin/PackagesPage.vue') },
  { name: 'admin-clients', path: 'clients', entry: 'sso', title: 'menu.admin.clients', requires: ['sso.admin.client.query'], icon: 'Connection', component: () => import('@/views/admin/ClientsPage.vue') },
  { name: 'admin-audit', path: 'audit', entry: 'sso', title: 'menu.admin.audit', requires: ['sso.admin.audit.query'], icon: 'Document', component: () => import('@/views/admin/AuditPage.vue') },
  { name: 'admin-imports', path: 'imports', entry: 'sso', title: 'menu.admin.imports', requires: ['sso.admin.user.import'], icon: 'Upload', component: () => import('@/views/admin/ImportsPage.vue') },

  // Order center (订单中心, entry `orders`)
  { name: 'orders-list', path: 'orders', entry: 'orders', title: 'menu.orders.list', requires: ['orders.order.query'], icon: 'Tickets', component: () => import('@/views/orders/OrderListPage.vue') },
  { name: 'orders-detail', path: 'orders/:id', entry: 'orders', title: 'menu.orders.detail', requires: ['orders.order.query'], menu: false, component: () => import('@/views/orders/OrderDetailPage.vue') },
  { name: 'orders-settlement', path: 'settlement-lists', entry: 'orders', title: 'menu.orders.settlement', requires: ['orders.order.query', 'orders.order.create'], icon: 'List', component: () => import('@/views/orders/SettlementBuilderPage.vue') },
  { name: 'orders-analysis', path: 'analysis', entry: 'orders', title: 'menu.orders.analysis', requires: ['orders.analysis.query'], icon: 'TrendCharts', component: () => import('@/views/orders/AnalysisPage.vue') },
  { name: 'orders-imports', path: 'imports', entry: 'orders', title: 'menu.orders.imports', requires: ['orders.order.create'], icon: 'Upload', component: () => import('@/views/orders/ImportsPage.vue') },
  { name: 'orders-exports', path: 'exports', entry: 'orders', title: 'menu.orders.exports', requires: ['orders.order.query'], icon: 'Download', component: () => import('@/views/orders/ExportsPage.vue') },

  // Insurance (保险管理, entry `insurance`)
  { name: 'insurance-vehicles', path: 'vehicles', entry: 'insurance', title: 'menu.insurance.vehicles', requires: ['insurance.vehicle.query'], icon: 'Van', component: () => import('@/views/insurance/VehiclesPage.vue') },
  { name: 'insurance-proposals', path: 'proposals', entry: 'insurance', title: 'menu.insurance.proposals', requires: ['insurance.proposal.query'], icon: 'Document', component: () => import('@/views/insurance/ProposalsPage.vue') },
  { name: 'insurance-policies', path: 'policies', entry: 'insurance', title: 'menu.insurance.policies', requires: ['insurance.policy.query'], icon: 'Tickets', component: () => import('@/views/insurance/PoliciesPage.vue') },
  { name: 'insurance-pushes', path: 'pushes', entry: 'insurance', title: 'menu.insurance.pushes', requires: ['insurance.pushed_vehicle.query'], icon: 'Promotion', component: () => import('@/views/insurance/PushesPage.vue') },
  { name: 'insurance-funnel', path: 'funnel', entry: 'insurance', title: 'menu.insurance.funnel', requires: ['insurance.pushed_vehicle.query', 'insurance.deal.query'], icon: 'TrendCharts', component: () => import('@/views/insurance/FunnelPage.vue') },

  // Risk assessment (风险评估, entry `risk`)
  { name: 'risk-requests', path: 'requests', entry: 'risk', title: 'menu.risk.requests', requires: ['risk.form.query'], icon: 'Document', component: () => import('@/views/risk/RequestsPage.vue') },
  { name: 'risk-request-detail', path: 'requests/:id', entry: 'risk', title: 'menu.risk.detail', requires: ['risk.form.query', 'risk.assessment.query'], menu: false, component: () => import('@/views/risk/RequestDetailPage.vue') },
  { name: 'risk-scorecards', path: 'scorecards', entry: 'risk', title: 'menu.risk.scorecards', requires: ['risk.scorecard.query'], icon: 'DataAnalysis', component: () => import('@/views/risk/ScorecardsPage.vue') },
  { name: 'risk-exports', path: 'exports', entry: 'risk', title: 'menu.risk.exports', requires: ['risk.export.query', 'risk.export.create'], icon: 'Download', component: () => import('@/views/risk/ExportsPage.vue') },
  { name: 'risk-reconciliation', path: 'reconciliation', entry: 'risk', title: 'menu.risk.reconciliation', requires: ['risk.reconciliation.query'], icon: 'Finished', component: () => import('@/views/risk/ReconciliationPage.vue') },

  // Value-added services (增值服务, entry `valueadd`): coupons (卡券)
  { name: 'valueadd-redeem', path: 'redeem', entry: 'valueadd', title: 'menu.valueadd.redeem', requires: ['valueadd.redemption.redeem'], icon: 'Aim', component: () => import('@/views/valueadd/coupons/RedeemPage.vue') },
  { name: 'valueadd-coupons', path: 'coupons', entry: 'valueadd', title: 'menu.valueadd.coupons', requires: ['valueadd.coupon.query'], icon: 'Ticket', component: () => import('@/views/valueadd/coupons/CouponsPage.vue') },
  { name: 'valueadd-products', path: 'coupon-products', entry: 'valueadd', title: 'menu.valueadd.products', requires: ['valueadd.coupon.query'], icon: 'Goods', component: () => import('@/views/valueadd/coupons/ProductsPage.vue') },
  { name: 'valueadd-batches', path: 'batches', entry: 'valueadd', title: 'menu.valueadd.batches', requires: ['valueadd.coupon.query'], icon: 'Files', component: () => import('@/views/valueadd/coupons/BatchesPage.vue') },
  { name: 'valueadd-redemptions', path: 'redemptions', entry: 'valueadd', title: 'menu.valueadd.redemptions', requires: ['valueadd.redemption.query'], icon: 'TrendCharts', component: () => import('@/views/valueadd/coupons/RedemptionsPage.vue') },
  { name: 'valueadd-statements', path: 'statements', entry: 'valueadd', title: 'menu.valueadd.statements', requires: ['valueadd.statement.query'], icon: 'Finished', component: () => import('@/views/valueadd/coupons/StatementsPage.vue') },
  { name: 'valueadd-mall-products', path: 'mall/products', entry: 'valueadd', title: 'menu.valueadd.mallProducts', requires: ['valueadd.mall.query'], icon: 'ShoppingBag', component: () => import('@/views/valueadd/mall/MallProductsPage.vue') },
  { name: 'valueadd-mall-orders', path: 'mall/orders', entry: 'valueadd', title: 'menu.valueadd.mallOrders', requires: ['valueadd.mall.query'], icon: 'ShoppingCart', component: () => import('@/views/valueadd/mall/MallOrdersPage.vue') },
  { name: 'valueadd-plates', path: 'plates', entry: 'valueadd', title: 'menu.valueadd.plates', requires: ['valueadd.plate.query'], icon: 'Postcard', component: () => import('@/views/valueadd/plates/PlatesPage.vue') },
  { name: 'valueadd-plate-calls', path: 'plates/calls', entry: 'valueadd', title: 'menu.valueadd.plateCalls', requires: ['valueadd.plate.query'], icon: 'PhoneFilled', component: () => import('@/views/valueadd/plates/PlateCallsPage.vue') },

  // Finance (财务中心, entry `finance`)
  { name: 'finance-invoices', path: 'invoices', entry: 'finance', title: 'menu.finance.invoices', requires: ['finance.invoice.query'], icon: 'Document', component: () => import('@/views/finance/InvoicesPage.vue') },
  { name: 'finance-buyers', path: 'buyers', entry: 'finance', title: 'menu.finance.buyers', requires: ['finance.invoice.query'], icon: 'Postcard', component: () => import('@/views/finance/BuyersPage.vue') },
  { name: 'finance-statements', path: 'bank-statements', entry: 'finance', title: 'menu.finance.statements', requires: ['finance.bank_statement.query'], icon: 'CreditCard', component: () => import('@/views/finance/StatementsPage.vue') },
  { name: 'finance-matching', path: 'matching', entry: 'finance', title: 'menu.finance.matching', requires: ['finance.allocation.query'], icon: 'Connection', component: () => import('@/views/finance/MatchingPage.vue') },
  { name: 'finance-payments', path: 'payment-requests', entry: 'finance', title: 'menu.finance.payments', requires: ['finance.payment_request.query'], icon: 'Wallet', component: () => import('@/views/finance/PaymentRequestsPage.vue') },
  { name: 'finance-funds', path: 'funds', entry: 'finance', title: 'menu.finance.funds', requires: ['finance.fund_transfer.query'], icon: 'Money', component: () => import('@/views/finance/FundsPage.vue') },
  { name: 'finance-channels', path: 'channel-reconciliation', entry: 'finance', title: 'menu.finance.channels', requires: ['finance.channel_reconciliation.query'], icon: 'Switch', component: () => import('@/views/finance/ChannelReconciliationPage.vue') },
  { name: 'finance-settings', path: 'settings', entry: 'finance', title: 'menu.finance.settings', requires: ['finance.ledger.configure'], icon: 'Setting', component: () => import('@/views/finance/FinanceSettingsPage.vue') },
  { name: 'finance-reports', path: 'reports', entry: 'finance', title: 'menu.finance.reports', requires: ['finance.report.query'], icon: 'DataLine', component: () => import('@/views/finance/ReportsPage.vue') },
]

/** Does the user hold every function the page needs? */
export function mayOpen(page: Pick<ConsolePage, 'entry' | 'requires'>, functions: Record<string, string[]>): boolean {
  const held = functions[page.entry] ?? []
  return page.requires.every((code) => held.includes(code))
}

/** The first page of an entry the user may open (its landing page), if any. */
export function firstPageOf(entry: string, functions: Record<string, string[]>, pages: ConsolePage[] = consolePages): ConsolePage | undefined {
  return pages.find((p) => p.entry === entry && p.menu !== false && mayOpen(p, functions))
}

export function pagePath(page: ConsolePage): string {
  return `/console/${page.entry}/${page.path}`
}

/** The guard's rule: the institution holds the entry (the session lists it) and the user every function. */
export function mayOpenFor(
  page: Pick<ConsolePage, 'entry' | 'requires'>,
  access: { entries: { code: string }[]; functions: Record<string, string[]> },
): boolean {
  return access.entries.some((e) => e.code === page.entry) && mayOpen(page, access.functions)
}
