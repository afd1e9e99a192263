"""Imports point one way: parsers, mappings and outbound use only the domain (and the error tree)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_GATEWAY = ("gateway.domain", "gateway.errors")
ADAPTER_FREE = ("parsers", "mappings", "outbound", "gateway/domain")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", ADAPTER_FREE)
def test_core_packages_do_not_reach_into_the_application(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path):
            if name.startswith("gateway") and not name.startswith(ALLOWED_GATEWAY):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_domain_has_no_io_libraries() -> None:
    forbidden = (
        "sqlalchemy",
        "fastapi",
        "dramatiq",
        "redis",
        "httpx",
        "requests",
        "socket",
        "parsers",
        "outbound",
    )
    offenders = []
    for path in sorted((ROOT / "gateway" / "domain").rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in forbidden:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []
