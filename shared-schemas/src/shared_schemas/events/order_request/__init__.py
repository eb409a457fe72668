"""The order request every business service publishes on its own `<service>.order_request`
topic: one shared payload model (the order center's seam), three producers."""
