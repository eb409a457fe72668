"""insurance — 保险管理 (BS system): Car, non-car and life insurance business: policies, proposals, vehicles, push tasks."""
