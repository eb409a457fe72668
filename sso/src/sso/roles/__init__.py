"""Roles (角色): defined per institution, granting functions the institution holds."""
