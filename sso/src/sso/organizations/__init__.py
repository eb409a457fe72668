"""Institutions (机构) and their tree (branches under their head office)."""
