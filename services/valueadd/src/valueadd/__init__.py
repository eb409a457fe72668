"""valueadd — 增值服务: Value-added services: coupons and redemptions, the mall, move-car plates, other technical services."""
