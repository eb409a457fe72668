"""Legacy import (历史数据导入): the risk-assessment system's institutions and users, from CSV or
XLSX, with a dry run and a per-row report."""
