"""The HTTP API (FastAPI): ``create_app`` in ``app``, one router module per area in ``routers``."""
