"""GS1-128 bar codes: Code 128 with FNC1 first, as the bar/space widths to draw.

An SSCC label encodes ``(00)`` + the 18 digits: twenty digits, all in code set
C (two digits a symbol): Start C, FNC1, ten symbols, the mod-103 check symbol,
Stop.  Each symbol is six widths (bar, space, ...) of eleven modules; Stop is
seven widths of thirteen.
"""

from __future__ import annotations

# Code 128 symbol values 0..106 as bar/space widths
_TABLE = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 "
    "221312 231212 112232 122132 122231 113222 123122 123221 223211 221132 "
    "221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 "
    "231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 "
    "231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 "
    "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 "
    "114131 311141 411131 211412 211214 211232 2331112"
)
PATTERNS = tuple(_TABLE.split())
START_C = 105
FNC1 = 102
STOP = 106
QUIET_ZONE = 10  # modules of white on each side


def gs1_128_values(digits: str) -> list[int]:
    """The symbol values (start, FNC1, data, check, stop) of an all-numeric GS1 element string
    of even length, e.g. ``"00" + sscc``."""
    if not digits.isdigit() or len(digits) % 2:
        raise ValueError(f"code set C needs an even number of digits, not {digits!r}")
    values = [START_C, FNC1] + [int(digits[i : i + 2]) for i in range(0, len(digits), 2)]
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return [*values, check, STOP]


def modules(values: list[int]) -> list[int]:
    """The widths (in modules) of bars and spaces, alternating, starting with a bar."""
    return [int(w) for v in values for w in PATTERNS[v]]
