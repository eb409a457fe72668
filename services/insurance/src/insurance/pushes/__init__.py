"""Renewal push (车辆推送): rules as data, push tasks, push records, the funnel (flow 10)."""
