"""Browser sessions (backend-for-frontend): the gateway is sso's confidential OIDC client; the
browser holds only an opaque session cookie, the tokens stay here."""
