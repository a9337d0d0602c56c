"""``lamina accounts create|list`` on a data dir, alone and beside a running server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from lamina.cli import main
from lamina.pytest_plugin import start_server
from lamina.store import open_store
from lamina.store.repositories import access_keys


def _create(data_dir: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, str]:
    assert main(["accounts", "create", "--data-dir", str(data_dir), "--json", *extra]) == 0
    created: dict[str, str] = json.loads(capsys.readouterr().out)
    return created


def test_create_prints_the_key_pair_once_and_stores_it_encrypted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    created = _create(tmp_path, capsys, "--account-id", "111122223333")
    assert created["AccountId"] == "111122223333"
    assert created["AccessKeyId"].startswith("AKIA") and len(created["AccessKeyId"]) == 20
    assert len(created["SecretAccessKey"]) == 40
    store = open_store(tmp_path)
    with store.transaction(read_only=True) as conn:
        (key,) = access_keys.list_access_keys(conn, "111122223333", None)
        assert key.access_key_id == created["AccessKeyId"] and key.user_id is None and key.status == "Active"
        assert access_keys.get_secret(conn, store.secret_box, key.access_key_id).secret == created["SecretAccessKey"]
    store.close()
    assert created["SecretAccessKey"].encode() not in (tmp_path / "lamina.db").read_bytes()


def test_create_random_id_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = _create(tmp_path, capsys)
    second = _create(tmp_path, capsys, "--account-id", "000000000001")
    assert len(first["AccountId"]) == 12 and first["AccountId"].isdigit()
    assert main(["accounts", "list", "--data-dir", str(tmp_path), "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["AccountId"] for row in listed] == sorted([first["AccountId"], "000000000001"])
    assert {row["AccountId"]: row["RootAccessKeyIds"] for row in listed}["000000000001"] == [second["AccessKeyId"]]
    assert all("Secret" not in json.dumps(row) for row in listed)
    assert main(["accounts", "list", "--data-dir", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert "000000000001" in table and second["AccessKeyId"] in table and second["SecretAccessKey"] not in table


def test_text_output_shows_export_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["accounts", "create", "--data-dir", str(tmp_path), "--account-id", "444455556666"]) == 0
    out = capsys.readouterr().out
    assert "Account 444455556666 created" in out and "export AWS_ACCESS_KEY_ID=AKIA" in out


def test_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _create(tmp_path, capsys, "--account-id", "111122223333")
    assert main(["accounts", "create", "--data-dir", str(tmp_path), "--account-id", "111122223333"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["accounts", "create", "--data-dir", str(tmp_path), "--account-id", "12345"]) == 2
    assert "12 digits" in capsys.readouterr().err
    assert main(["accounts", "list", "--data-dir", str(tmp_path / "missing")]) == 1
    assert not (tmp_path / "missing").exists()


def test_created_account_works_against_a_running_server(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "lamina.cli", "accounts", "create", "--data-dir", str(data_dir),
             "--account-id", "210987654321", "--json"], capture_output=True, text=True, check=True, timeout=60)
        created = json.loads(run.stdout)
        sts = boto3.client("sts", endpoint_url=server.endpoint_url, region_name="eu-west-1",
                           aws_access_key_id=created["AccessKeyId"], aws_secret_access_key=created["SecretAccessKey"])
        identity = sts.get_caller_identity()
        assert identity["Account"] == "210987654321"
        assert identity["Arn"] == "arn:aws:iam::210987654321:root"
        assert server.client("sts").get_caller_identity()["Account"] == server.account_id
        listed = subprocess.run([sys.executable, "-m", "lamina.cli", "accounts", "list", "--data-dir", str(data_dir)],
                                capture_output=True, text=True, check=True, timeout=60).stdout
        assert "210987654321" in listed and server.account_id in listed
    finally:
        server.stop()


LAMINA = Path(sys.executable).with_name("lamina")


def _lamina(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LAMINA), *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=60)


def test_list_outside_a_project_says_where_it_looked_and_creates_nothing(tmp_path: Path) -> None:
    done = _lamina(tmp_path, "accounts", "list")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (f"lamina accounts list: no Lamina data directory at {tmp_path.resolve() / '.lamina'} "
                           "(no lamina.db there); pass --data-dir with the directory `lamina serve` uses\n")
    assert list(tmp_path.iterdir()) == []


def test_commands_name_their_directory_on_stderr_only(tmp_path: Path) -> None:
    created = _lamina(tmp_path, "accounts", "create", "--account-id", "111122223333", "--json")
    where = tmp_path.resolve() / ".lamina"
    assert created.returncode == 0
    assert created.stderr == f"lamina accounts create: writing to a new data directory, {where}\n"
    assert json.loads(created.stdout)["AccountId"] == "111122223333"
    again = _lamina(tmp_path, "accounts", "create", "--account-id", "111122223334", "--json")
    assert again.stderr == f"lamina accounts create: writing to {where}\n"
    listed = _lamina(tmp_path, "accounts", "list", "--json")
    assert listed.returncode == 0
    assert listed.stderr == f"lamina accounts list: reading {where}\n"
    assert [json.loads(line)["AccountId"] for line in listed.stdout.splitlines()] == ["111122223333", "111122223334"]


def test_unreadable_store_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / ".lamina").mkdir()
    (tmp_path / ".lamina" / "lamina.db").write_text("not a database")
    done = _lamina(tmp_path, "accounts", "list")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (f"lamina accounts list: cannot use the data directory "
                                            f"{tmp_path.resolve() / '.lamina'}: file is not a database "
                                            f"({tmp_path.resolve() / '.lamina' / 'lamina.db'})")
    assert "Traceback" not in done.stderr
