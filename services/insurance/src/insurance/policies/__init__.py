"""Policies (保单) and proposals (投保单): product lines with line items, the proposal life
cycle as one transition table, policies issued → `insurance.policy.issued`."""
