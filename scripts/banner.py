"""Printed by `make run` before the processes start: where things are and how to log in."""

SERVICES = [
    ("gateway (public door)", 8000),
    ("sso", 8101),
    ("insurance", 8102),
    ("risk", 8103),
    ("valueadd", 8104),
    ("orders", 8105),
    ("finance", 8106),
]

print(
    "\n综合管理平台 — starting on embedded defaults (SQLite files in var/, local broker on :9092)"
)
print("  Platform:  http://127.0.0.1:8000   <- open this: the web console (log in there)")
print(
    "            health http://127.0.0.1:8000/healthz, partner tokens http://127.0.0.1:8000/auth/token"
)
for name, port in SERVICES[1:]:
    print(f"  {name:<10} http://127.0.0.1:{port}/docs   readiness: http://127.0.0.1:{port}/readyz")
print(
    "  tenant entry system (华成's / 云鹰's own insurance systems, by SSO): http://127.0.0.1:8108/"
)
print("  Demo logins (demo database only; see sso/README.md):")
print("    platform.admin / Demo-Admin-2026   (platform operator)")
print("    huacheng.admin, yunying.admin, chexiang.admin / Demo-Admin-2026   (institution admins)")
print("    huacheng.staff, yunying.staff, chexiang.staff / Demo-Staff-2026")
print("  OIDC issuer: http://127.0.0.1:8000/auth (/.well-known/openid-configuration)")
print("  Stop everything with Ctrl-C.\n")
