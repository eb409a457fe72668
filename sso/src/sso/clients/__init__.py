"""Registered clients (entry systems and partners), minimal until the OIDC provider (part 2)."""
