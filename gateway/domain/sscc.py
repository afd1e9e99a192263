"""SSCC-18, the Serial Shipping Container Code that names one carton or pallet.

    extension digit (1) + GS1 company prefix (7-10) + serial reference (9-6) + check digit (1)

The company prefix and the serial reference together are always 16 digits; the
serial comes from a persistent sequence (never reused).  The check digit is
GS1's mod-10: from the rightmost data digit leftwards, weights 3, 1, 3, 1, ...;
the check digit brings the weighted sum up to a multiple of ten.  In a GS1-128
bar code the SSCC follows the application identifier (00).
"""

from __future__ import annotations

from gateway.errors import InputError

APPLICATION_IDENTIFIER = "00"


class InvalidSscc(InputError):
    code = "sscc.invalid"


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit for ``digits`` (the data digits, without the check digit)."""
    if not digits.isdigit() or not digits.isascii():
        raise InvalidSscc(f"{digits!r} is not a string of digits")
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def serial_capacity(company_prefix: str) -> int:
    """How many serial references a company prefix leaves room for."""
    return 10 ** (16 - len(company_prefix))


def make_sscc(extension: int, company_prefix: str, serial: int) -> str:
    """The 18-digit SSCC for ``serial`` under ``company_prefix``."""
    if not 0 <= extension <= 9:
        raise InvalidSscc(f"the extension digit is 0..9, not {extension}")
    if not (company_prefix.isdigit() and 7 <= len(company_prefix) <= 10):
        raise InvalidSscc(f"a GS1 company prefix is 7 to 10 digits, not {company_prefix!r}")
    if not 0 <= serial < serial_capacity(company_prefix):
        raise InvalidSscc(
            f"serial {serial} does not fit the {16 - len(company_prefix)} digits"
            f" prefix {company_prefix} leaves"
        )
    body = f"{extension}{company_prefix}{serial:0{16 - len(company_prefix)}d}"
    return body + str(gs1_check_digit(body))


def is_valid_sscc(value: str) -> bool:
    return len(value) == 18 and value.isdigit() and gs1_check_digit(value[:17]) == int(value[17])


def human_readable(sscc: str) -> str:
    """``(00) 1 0614141 123456789 7`` style text under a label's bar code (prefix length unknown:
    grouped as AI, extension, 16 digits, check)."""
    return f"({APPLICATION_IDENTIFIER}) {sscc[0]} {sscc[1:17]} {sscc[17]}"
