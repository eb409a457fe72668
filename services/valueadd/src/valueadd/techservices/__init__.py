"""其他技术服务 (TPA, advertising): service contracts with their payees and payout mode, and the
payable orders asked for when an imported service order is settled."""
