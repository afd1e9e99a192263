"""``ordergate user``: argon2 hashes, roles, disabling, tokens; no default password outside development."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.adapters.db.engine import make_engine
from gateway.adapters.db.uow import SqlUnitOfWork
from gateway.config import Settings
from gateway.entrypoints.admin.security import verify_password
from gateway.entrypoints.api.app import create_app
from gateway.entrypoints.cli import main
from gateway.entrypoints.commands.serve import _first_admin


def _users(data: Path) -> SqlUnitOfWork:
    return SqlUnitOfWork(make_engine(f"sqlite:///{(data / 'ordergate.db').resolve()}"))


def test_user_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main(["init", *data]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "add", "olga", "--role", "operator", "--password-stdin", *data]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a good long password\n"))
    assert main(["user", "add", "olga", "--role", "operator", "--password-stdin", *data]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a good long password\n"))
    assert main(["user", "add", "olga", "--password-stdin", *data]) == 1
    assert "exists already" in capsys.readouterr().err
    with _users(tmp_path) as uow:
        user = uow.users.get_by_name("olga")
        assert user.role == "operator" and user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "a good long password")
        assert not verify_password(user.password_hash, "a good long passwort")
    assert main(["user", "role", "olga", "admin", *data]) == 0
    capsys.readouterr()
    assert main(["user", "token", "olga", *data]) == 0
    token = capsys.readouterr().out.strip()
    assert main(["user", "partner-token", "ACMEHARDWARE", *data]) == 0
    partner_token = capsys.readouterr().out.strip()
    assert main(["user", "partner-token", "NOBODY", *data]) == 1
    client = TestClient(create_app(Settings(data_dir=tmp_path)))
    assert client.get("/api/review", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/review", headers={"Authorization": f"Bearer {partner_token}"}).status_code == 403
    assert main(["user", "disable", "olga", *data]) == 0
    assert client.get("/api/review", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert main(["user", "list", *data]) == 0
    listed = capsys.readouterr().out
    assert "olga" in listed and "disabled" in listed
    with _users(tmp_path) as uow:
        assert token not in str([t for t in uow.audit.list()])  # the token itself is stored nowhere


def test_a_first_admin_only_in_development(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--data-dir", str(tmp_path)]) == 0
    _first_admin(Settings(data_dir=tmp_path, environment="production"))
    with _users(tmp_path) as uow:
        assert uow.users.count() == 0
    capsys.readouterr()
    _first_admin(Settings(data_dir=tmp_path, environment="development"))
    printed = capsys.readouterr().out
    password = printed.split("password ")[1].split(" ")[0]
    with _users(tmp_path) as uow:
        admin = uow.users.get_by_name("admin")
        assert admin.role == "admin" and verify_password(admin.password_hash, password)
    _first_admin(Settings(data_dir=tmp_path, environment="development"))  # only when there is no user
    assert capsys.readouterr().out == ""
