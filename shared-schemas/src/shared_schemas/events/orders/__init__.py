"""Events published by the orders service on topic `orders.order`."""
