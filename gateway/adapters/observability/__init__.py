"""Metrics (Prometheus) and structured logs for the gateway's processes."""
