"""The forwarding fast path: authenticate, check the entitlement, present an internal JWT,
forward to the allow-listed upstream — as plain ASGI, without a framework per request."""
