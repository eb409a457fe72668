"""Event payloads, one package per producer and one module per version."""
