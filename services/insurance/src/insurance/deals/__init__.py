"""Deals (成交): an issued pushed policy with a channel-promotion fee becomes a receivable order."""
