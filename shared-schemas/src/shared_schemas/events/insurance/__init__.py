"""Events published by the insurance service."""
