"""``ordergate certs``: every certificate with its days left, the one in use, warnings and exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.as2_support import make_keypair

PROFILE = """\
id: ROLLCO
name: Rollover Co
identities:
  x12: {isa_qualifier: ZZ, isa_id: ROLLCO, gs_id: ROLLCO}
  as2_id: ROLL-AS2
channels:
  as2:
    url: https://as2.rollco.example/
    certificates: [certs/new.pem, certs/old.pem, certs/expired.pem, certs/gone.pem]
"""


def run_certs(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    ours = make_keypair("ordergate-2026")
    (tmp_path / "our.key").write_bytes(ours.key_pem)
    (tmp_path / "our.pem").write_bytes(ours.cert_pem)
    env = {
        **os.environ,
        "ORDERGATE_PARTNERS_DIR": str(tmp_path / "partners"),
        "ORDERGATE_AS2_ID": "OG-AS2",
        "ORDERGATE_AS2_KEY": f"file:{tmp_path / 'our.key'}",
        "ORDERGATE_AS2_CERTIFICATE": str(tmp_path / "our.pem"),
    }
    return subprocess.run(
        [sys.executable, "-m", "gateway.entrypoints.cli", "certs", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_certs_lists_days_left_the_one_in_use_and_warns(tmp_path: Path) -> None:
    certs = tmp_path / "partners" / "certs"
    certs.mkdir(parents=True)
    (tmp_path / "partners" / "roll.yaml").write_text(PROFILE)
    (certs / "new.pem").write_bytes(make_keypair("roll-new", days_before=2, days_after=400).cert_pem)
    (certs / "old.pem").write_bytes(make_keypair("roll-old", days_before=300, days_after=10).cert_pem)
    (certs / "expired.pem").write_bytes(make_keypair("roll-expired", days_before=400, days_after=-3).cert_pem)
    done = run_certs(tmp_path)
    assert done.returncode == 1, done.stderr
    rows = {line.split()[2].removeprefix("CN="): line for line in done.stdout.splitlines()[2:]}
    assert set(rows) == {"ordergate-2026", "roll-new", "roll-old", "roll-expired", "-"}
    assert " valid " in rows["roll-new"] and "in use" in rows["roll-new"]
    assert " expiring " in rows["roll-old"] and "verifies" in rows["roll-old"]
    assert " expired " in rows["roll-expired"] and "in use" not in rows["roll-expired"]
    assert "missing" in rows["-"] and "gone.pem" in rows["-"]
    assert " 399 " in rows["roll-new"] or " 400 " in rows["roll-new"]
    assert "in use" in rows["ordergate-2026"]
    warned = done.stderr
    assert "roll-old" in warned and "expiring" in warned
    assert "roll-expired" in warned and "gone.pem" in warned
    assert "roll-new" not in warned


def test_certs_all_good_exits_zero(tmp_path: Path) -> None:
    certs = tmp_path / "partners" / "certs"
    certs.mkdir(parents=True)
    (tmp_path / "partners" / "roll.yaml").write_text(
        PROFILE.replace(", certs/old.pem, certs/expired.pem, certs/gone.pem", "")
    )
    (certs / "new.pem").write_bytes(make_keypair("roll-new").cert_pem)
    done = run_certs(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "roll-new" in done.stdout and done.stderr.strip() == ""
