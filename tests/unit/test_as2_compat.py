"""The oscrypto compatibility fix: the version pattern, and pyas2lib importing on this OpenSSL."""

from __future__ import annotations

import re
import subprocess
import sys

from gateway.adapters.channels.oscrypto_compat import BROKEN, FIXED, rewrite


def pattern(source: bytes) -> str:
    found = re.search(rb"re\.search\('(.*?)', version_string\)", source)
    assert found is not None
    return found.group(1).decode().replace("\\\\", "\\")


def test_the_fixed_pattern_reads_two_digit_patch_numbers_the_broken_one_does_not() -> None:
    banner = "OpenSSL 3.0.19 27 Jan 2026"
    assert re.search(pattern(BROKEN), banner) is None
    assert re.search(pattern(FIXED), banner).group(1) == "3.0.19"
    assert re.search(pattern(FIXED), "OpenSSL 1.1.1w  11 Sep 2023").group(1) == "1.1.1w"


def test_rewrite_changes_only_the_broken_pattern() -> None:
    source = b"x = 1\nversion_match = " + BROKEN + b"\n"
    assert rewrite(source) == b"x = 1\nversion_match = " + FIXED + b"\n"
    assert rewrite(b"version_match = " + FIXED) == b"version_match = " + FIXED


def test_pyas2lib_imports_after_install_in_a_fresh_interpreter() -> None:
    code = (
        "from gateway.adapters.channels import oscrypto_compat; oscrypto_compat.install();"
        "import pyas2lib;"
        "from oscrypto._openssl._libcrypto import libcrypto_version_info as v; print(v)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("(")
