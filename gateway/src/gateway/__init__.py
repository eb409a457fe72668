"""gateway — the platform's public door: Routes /auth to sso and /api/<entry> to the entry's service, from an explicit allow-list of upstreams."""
