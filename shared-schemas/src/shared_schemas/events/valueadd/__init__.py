"""Events published by the valueadd service (besides its order requests)."""
