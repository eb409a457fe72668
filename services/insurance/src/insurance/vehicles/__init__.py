"""Customers and vehicles (车辆收集): intake, dedupe/merge, owner changes (过户), import."""
