"""finance — 财务结算: Invoices, receipts, payments, channel reconciliation, ledger and reports."""
