"""Purchase orders in PDF files: templates per partner, a generic reader for everyone else."""

from parsers.pdf.reader import read_pdf

__all__ = ["read_pdf"]
