"""sso — identity and single sign-on: One identity store for every institution and user, entitlements per institution, and the OpenID Connect provider every entry signs on with."""
