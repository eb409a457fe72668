"""risk — 风险评估: Vehicle risk assessment: requests, assessments, export batches, reconciliation with insurers."""
