"""What valueadd's modules share: time, numbers, column types and the order-request seam
(asking the order center for orders and routing its answers back to the asking module)."""
