"""``ordergate serve`` as its own process on a free loopback port, over a SQLite database made by the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.mock_edi import free_port

ORDERGATE = str(Path(sys.executable).with_name("ordergate"))
START_TIMEOUT = 20.0


@dataclass(slots=True)
class AdminServer:
    url: str
    data_dir: Path
    env: dict[str, str]

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [ORDERGATE, *args, "--data-dir", str(self.data_dir)],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"ordergate {' '.join(args)} failed: {done.stdout}\n{done.stderr}"
        return done.stdout

    @property
    def outbox(self) -> Path:
        return self.data_dir / "outbox"


def browser_executable() -> str | None:
    for candidate in ("/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if Path(candidate).exists():
            return candidate
    return None


@contextmanager
def running_admin(data_dir: Path) -> Iterator[AdminServer]:
    # the embedded default: SQLite in the data folder, steps run in the process that queues them
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ORDERGATE_") and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update({"ORDERGATE_ENVIRONMENT": "test", "ORDERGATE_DATA_DIR": str(data_dir)})
    port = free_port()
    server = AdminServer(f"http://127.0.0.1:{port}", data_dir, env)
    server.cli("init")
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [ORDERGATE, "serve", "--port", str(port), "--log-level", "warning", "--data-dir", str(data_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ordergate serve did not start: {(data_dir / 'serve.log').read_text()}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
