"""Events published by the finance service on topics `finance.invoice`, `finance.receipt` and
`finance.payment`."""
