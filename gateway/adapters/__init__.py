"""Concrete adapters: the database (``db``) and, later, the channels."""
