"""What a user may use right now: effective functions (role ∩ entitlement) and the portal's
entries. The seam part 2's tokens and userinfo read from."""
