"""orders — 订单管理中心 (order center): Every chargeable service as an order: category, status, trajectory, settlement lists."""
