"""The gateway's internal signing keys: the JWTs services trust are signed with these."""
