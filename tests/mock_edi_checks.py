"""Our X12 checked by mock-edi's validator (``POST /_mock/validate``): what the peer tests share.

A test module takes the peer with ``mock = mock_edi_fixture()`` (one mock-edi, started in this
process, for the module) and asks it with ``validate``, ``assert_clean``, ``accepted_findings``
and ``assert_faults_found``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from mockedi.testing import X12, Mock

SEGMENTS_IN_ERROR = "one or more segments in error"  # mock-edi's summary finding for a set in error


def mock_edi_fixture() -> Callable[[], Iterator[Mock]]:
    """A module-scoped fixture yielding a running mock-edi; assign it to ``mock`` in the test module."""

    @pytest.fixture(scope="module")
    def mock() -> Iterator[Mock]:
        with Mock.start() as started:
            yield started

    return mock


def validate(mock: Mock, data: bytes) -> dict[str, Any]:
    """mock-edi's answer for ``data``, which it must have been able to parse."""
    reply = mock.post("/_mock/validate", data, headers={"Content-Type": X12})
    assert reply.status == 200, reply.body
    assert reply.body["parsed"] is True
    return reply.body


def assert_clean(mock: Mock, data: bytes, code: str, **expected: Any) -> dict[str, Any]:
    """``data`` is clean and holds one accepted ``code`` set (and whatever else ``expected`` names)."""
    answer = validate(mock, data)
    assert answer["clean"] is True, answer["explain"]
    (message,) = answer["messages"]
    want = {"code": code, "accepted": True, **expected}
    assert {k: message[k] for k in want} == want
    return message


def accepted_findings(mock: Mock, data: bytes) -> list[str]:
    """The findings on the one set in ``data``, which is not clean but still accepted."""
    answer = validate(mock, data)
    assert answer["clean"] is False
    (message,) = answer["messages"]
    assert message["accepted"] is True
    return message["findings"]


def assert_faults_found(mock: Mock, data: bytes, *faults: tuple[bytes, bytes]) -> None:
    """``data`` is clean, and each (old, new) replacement in it makes it unclean: the checks have teeth."""
    assert validate(mock, data)["clean"] is True
    for old, new in faults:
        assert old in data, old
        assert validate(mock, data.replace(old, new))["clean"] is False, (old, new)
