"""Entitlements (版本权限): packages per institution type, and per institution the entries it
may use, the functions inside each and its own target URLs."""
