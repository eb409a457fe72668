"""Events published by the sso service on topic `sso.entitlement`."""
