"""Printable documents (no I/O: bytes out): pick lists, invoices, GS1-128 carton labels."""
