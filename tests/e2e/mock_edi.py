"""mock-edi as a real, separate process that trades with us over two folders.

``running_mock_edi(workdir)`` starts ``python -m mockedi`` on a free port with

- ``--pickup-dir <workdir>/pickup``: every document the mock releases (the 850
  it places with a supplier, the 997 it answers ours with) is written there as
  ``<partner>-<code>-<control>.edi``;
- ``--drop-dir <workdir>/drop``: what a partner writes there goes through the
  mock's inbound pipeline, as a POST to ``/edi`` would.  The poller is set to an
  hour and the settle time to zero, so a file is read exactly when the test asks
  (``POST /_mock/drop/scan``), never half-way through being written;

waits until ``GET /_mock/health`` answers for *this* process, and stops it (then
kills it if it will not stop) on the way out.  Its output goes to
``<workdir>/mock-edi.log``, which a failure to start quotes.

The control plane is driven with the client mock-edi ships,
``mockedi.testing.Mock``, pointed at the process's URL.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockedi.testing import Mock

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
PORT_ATTEMPTS = 5


class MockEdiDidNotStart(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MockEdiProcess:
    process: subprocess.Popen[bytes]
    port: int
    pickup_dir: Path
    drop_dir: Path
    log_path: Path
    as2_id: str
    client: Mock = field(init=False)

    def __post_init__(self) -> None:
        self.client = Mock(self.base_url, timeout=10.0)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    # -- the folders

    def wait_for_pickup(self, pattern: str, *, timeout: float = 5.0) -> Path:
        """The one file in the pickup folder matching ``pattern`` (a glob), once it is there."""
        deadline = time.monotonic() + timeout
        while True:
            found = sorted(self.pickup_dir.glob(pattern))
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise AssertionError(f"more than one pickup file matches {pattern}: {found}")
            if time.monotonic() > deadline:
                listing = sorted(p.name for p in self.pickup_dir.iterdir())
                raise AssertionError(f"no pickup file matches {pattern} after {timeout}s: {listing}")
            time.sleep(0.02)

    def drop(self, name: str, data: bytes) -> dict[str, Any]:
        """Put ``data`` in the drop folder as ``name`` and have the mock read it now.

        Written under a dotted temporary name (which the mock never reads) and
        renamed, so it is whole when it appears.  Returns the scan's entry for
        the file: ``ok``, ``partner``, ``orders``, ``produced``, ``error``.
        """
        target = self.drop_dir / name
        if target.exists():
            raise AssertionError(f"{target} is already in the drop folder")
        temporary = self.drop_dir / f".{name}.tmp"
        temporary.write_bytes(data)
        os.replace(temporary, target)
        scan = self.client.expect("POST", "/_mock/drop/scan")
        entries = [entry for entry in scan["files"] if entry["name"] == name]
        assert len(entries) == 1, f"the scan did not read {name} once: {scan}"
        return entries[0]

    # -- lifecycle

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)


def _healthy(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url + "/_mock/health", timeout=0.5) as reply:
            body = json.loads(reply.read().decode())
    except (OSError, urllib.error.URLError, ValueError):
        return None
    return body if isinstance(body, dict) and body.get("status") == "ok" else None


def start_mock_edi(workdir: Path, *extra_args: str, as2_id: str = "MOCKEDI") -> MockEdiProcess:
    """Start mock-edi on a free port, trading over ``workdir/pickup`` and ``workdir/drop``."""
    pickup, drop = workdir / "pickup", workdir / "drop"
    pickup.mkdir(parents=True, exist_ok=True)
    drop.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "mock-edi.log"
    for _ in range(PORT_ATTEMPTS):
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "mockedi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--as2-id",
            as2_id,
            "--pickup-dir",
            str(pickup),
            "--drop-dir",
            str(drop),
            "--drop-interval-ms",
            "3600000",
            "--drop-settle-ms",
            "0",
            "-q",
            *extra_args,
        ]
        with log_path.open("ab") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
        mock = MockEdiProcess(process, port, pickup, drop, log_path, as2_id)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            health = _healthy(mock.base_url)
            # another server may have taken the port in the meantime: it must be ours
            if health is not None and health.get("as2Id") == as2_id and process.poll() is None:
                return mock
            time.sleep(0.05)
        mock.stop()
        if process.returncode not in (None, 0) and "in use" in mock.log():
            continue  # lost the race for the port: try another
        why = (
            f"exited with code {process.returncode}"
            if process.returncode is not None and time.monotonic() < deadline
            else f"was not healthy within {START_TIMEOUT}s"
        )
        raise MockEdiDidNotStart(f"mock-edi on port {port} {why}; its output:\n{mock.log()}")
    raise MockEdiDidNotStart(f"no free port after {PORT_ATTEMPTS} attempts; see {log_path}")


@contextmanager
def running_mock_edi(workdir: Path, *extra_args: str, as2_id: str = "MOCKEDI") -> Iterator[MockEdiProcess]:
    mock = start_mock_edi(workdir, *extra_args, as2_id=as2_id)
    try:
        yield mock
    finally:
        mock.stop()
