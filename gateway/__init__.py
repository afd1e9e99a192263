"""Ordergate: an EDI and document-ingestion gateway."""
