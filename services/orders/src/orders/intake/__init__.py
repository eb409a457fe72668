"""Order requests (下单请求): business services ask the order center for orders by event."""
