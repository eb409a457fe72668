"""The audit log: every admin change (actor, time, before, after) and every sign-in outcome."""
