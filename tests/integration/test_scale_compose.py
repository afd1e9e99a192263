"""``docker-compose.yml`` (no Docker engine here): it loads as YAML and holds together.

Checked: the four services (gateway, worker, PostgreSQL, Redis) and the one-shot
migration; the image is built from this repository's Dockerfile; every
``ordergate`` command line in it parses with our own argument parser; the
database and Redis URLs point at the compose services; every ``depends_on``
names a service, and waits for health only where a health check exists; named
volumes are declared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import make_url

from gateway.entrypoints.cli import build_parser

REPO = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_file_has_the_services_and_they_fit_together() -> None:
    compose = _compose()
    services = compose["services"]
    assert {"gateway", "worker", "postgres", "redis", "migrate"} <= set(services)
    ours = {name: s for name, s in services.items() if "build" in s}
    assert set(ours) == {"gateway", "worker", "migrate"}
    parser = build_parser()
    for name, service in ours.items():
        assert (REPO / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
        args = parser.parse_args(service["command"])  # a real ordergate command line
        assert args.func is not None, name
        env = service["environment"]
        db = make_url(env["DATABASE_URL"].replace("${ORDERGATE_DB_PASSWORD:-ordergate}", "pw"))
        assert (db.drivername, db.host, db.database) == ("postgresql+psycopg", "postgres", "ordergate")
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in compose["volumes"]
    assert parser.parse_args(services["worker"]["command"]).metrics_port == 9100
    assert parser.parse_args(services["gateway"]["command"]).host == "0.0.0.0"
    for name, service in services.items():
        for dep, cond in (service.get("depends_on") or {}).items():
            assert dep in services, (name, dep)
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], (name, dep)
            elif cond["condition"] == "service_completed_successfully":
                assert services[dep].get("restart") == "no", (name, dep)
    for volume in (s for svc in services.values() for s in svc.get("volumes", [])):
        assert volume.split(":")[0] in compose["volumes"]


def test_dockerfile_installs_the_postgres_driver_and_runs_ordergate() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert '".[postgres]"' in text
    assert 'ENTRYPOINT ["ordergate"]' in text
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'postgres = ["psycopg[binary]' in pyproject
