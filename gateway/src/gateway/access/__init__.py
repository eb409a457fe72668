"""Who a caller is and what its institution may open: read from sso, cached, kept fresh."""
