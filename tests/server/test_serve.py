"""End to end against a real ``lamina serve``: boto3 and raw signed requests get AWS's answers."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from lamina_server import (
    ACCOUNT,
    LAMINA,
    ROOT_KEY,
    ROOT_SECRET,
    Lamina,
    free_port,
    post,
    root_env,
    signed_headers,
    start_lamina,
)

FORM = "Action=GetCallerIdentity&Version=2011-06-15"


def sts(lamina: Lamina, key: str = ROOT_KEY, secret: str = ROOT_SECRET) -> Any:
    return boto3.client(
        "sts", endpoint_url=lamina.endpoint, region_name="us-east-1", aws_access_key_id=key,
        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}),
    )


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    response: dict[str, Any] = raised.value.response
    return response


def test_get_caller_identity_is_the_root(lamina: Lamina) -> None:
    answer = sts(lamina).get_caller_identity()
    assert (answer["UserId"], answer["Account"], answer["Arn"]) == (ACCOUNT, ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root")
    metadata = answer["ResponseMetadata"]
    assert metadata["HTTPHeaders"]["x-amzn-requestid"] == metadata["RequestId"]


def test_wrong_secret_is_signature_does_not_match(lamina: Lamina) -> None:
    response = error_of(sts(lamina, secret="x" * 40).get_caller_identity)
    assert response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert response["Error"]["Type"] == "Sender"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_key_is_invalid_client_token_id(lamina: Lamina) -> None:
    response = error_of(sts(lamina, key="AKIAUNKNOWNUNKNOWN00").get_caller_identity)
    assert response["Error"]["Code"] == "InvalidClientTokenId"
    assert response["Error"]["Message"] == "The security token included in the request is invalid."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_no_auth_is_missing_authentication_token(lamina: Lamina) -> None:
    answer = post(lamina.endpoint + "/", FORM, {"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 403
    assert "<Code>MissingAuthenticationToken</Code>" in answer.body
    assert answer.headers["x-amzn-requestid"] in answer.body


def test_unsigned_boto3_gets_missing_authentication_token(lamina: Lamina) -> None:
    client = boto3.client("sts", endpoint_url=lamina.endpoint, region_name="us-east-1",
                          config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    response = error_of(client.get_caller_identity)
    assert response["Error"]["Code"] == "MissingAuthenticationToken"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_action_is_invalid_action(lamina: Lamina) -> None:
    body = "Action=GetCallerIdentities&Version=2011-06-15"
    answer = post(lamina.endpoint + "/", body, signed_headers(lamina.endpoint + "/", body))
    assert answer.status == 400
    assert "<Code>InvalidAction</Code>" in answer.body
    assert "Could not find operation GetCallerIdentities for version 2011-06-15" in answer.body


def test_known_but_unimplemented_operation_is_not_implemented(lamina: Lamina) -> None:
    lam = boto3.client("lambda", endpoint_url=lamina.endpoint, region_name="us-east-1", aws_access_key_id=ROOT_KEY,
                       aws_secret_access_key=ROOT_SECRET)
    response = error_of(lam.list_event_source_mappings)
    assert response["Error"] == {"Code": "NotImplemented", "Message": (
        "Lamina does not implement the LAMBDA operation ListEventSourceMappings yet.")}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_a_message_lamina_never_encoded_is_not_decoded(lamina: Lamina) -> None:
    response = error_of(lambda: sts(lamina).decode_authorization_message(EncodedMessage="x"))
    assert response["Error"]["Code"] == "InvalidAuthorizationMessageException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_health_and_not_found(lamina: Lamina) -> None:
    with urllib.request.urlopen(lamina.endpoint + "/_lamina/health") as response:
        assert response.status == 200
        assert response.headers["x-amzn-RequestId"]
        assert json.load(response)["status"] == "ok"
    answer = post(lamina.endpoint + "/nowhere", "{}", {"Content-Type": "application/json"})
    assert answer.status == 404
    assert answer.headers["x-amzn-errortype"] == "UnknownOperationException"
    assert "No Lamina API answers POST /nowhere" in json.loads(answer.body)["Message"]


def test_root_credentials_file_is_private_and_aws_shaped(lamina: Lamina) -> None:
    path = lamina.data_dir / "root-credentials.csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().splitlines() == ["Access key ID,Secret access key", f"{ROOT_KEY},{ROOT_SECRET}"]


def no_root_env() -> dict[str, str]:
    return {k: v for k, v in root_env().items() if not k.startswith("LAMINA_ROOT_")}


def pasted(output: str) -> dict[str, str]:
    """The AWS_* variables of the banner's export line, as ``sh`` sets them when a user pastes it."""
    (line,) = [text.strip() for text in output.splitlines() if text.strip().startswith("export AWS_")]
    shell = subprocess.run(["sh", "-c", f"{line}\nenv"], capture_output=True, text=True, check=True,
                           env={"PATH": os.environ["PATH"]})
    return dict(entry.split("=", 1) for entry in shell.stdout.splitlines() if entry.startswith("AWS_"))


def test_captured_output_never_holds_the_secret_and_its_export_line_works(tmp_path: Path) -> None:
    """Output to a file (a log): the export line reads the secret from the CSV, on every start."""
    data_dir = tmp_path / "data"
    csv = data_dir.resolve() / "root-credentials.csv"
    first = start_lamina(data_dir, name="first")
    try:
        assert sts(first).get_caller_identity()["Account"] == ACCOUNT
    finally:
        first.stop()
    second = start_lamina(data_dir, env=no_root_env(), name="second")
    try:
        assert sts(second).get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    finally:
        second.stop()
    for server, state in ((first, "created"), (second, "in use")):
        output = server.stdout()
        assert ROOT_SECRET not in output
        assert f"Root access key {ROOT_KEY} {state}; its secret is in {csv}" in output
        assert pasted(output) == {"AWS_ENDPOINT_URL": server.endpoint, "AWS_ACCESS_KEY_ID": ROOT_KEY,
                                  "AWS_SECRET_ACCESS_KEY": ROOT_SECRET, "AWS_DEFAULT_REGION": "us-east-1"}


def read_terminal(master: int, until: str, timeout: float = 20) -> str:
    seen = b""
    deadline = time.monotonic() + timeout
    while until.encode() not in seen and time.monotonic() < deadline:
        if select.select([master], [], [], 0.2)[0]:
            try:
                seen += os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
    return seen.decode(errors="replace")


def serve_on_terminal(data_dir: Path, env: dict[str, str]) -> str:
    """The banner of ``lamina serve`` whose stdout is a terminal (a pseudo-terminal here)."""
    master, slave = os.openpty()
    process = subprocess.Popen([str(LAMINA), "serve", "--port", str(free_port()), "--data-dir", str(data_dir),
                                "--account-id", ACCOUNT], stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    try:
        return read_terminal(master, "AWS_DEFAULT_REGION=us-east-1")
    finally:
        process.terminate()
        process.wait(timeout=10)
        os.close(master)


def test_first_start_on_a_terminal_shows_the_secret_once(tmp_path: Path) -> None:
    first = serve_on_terminal(tmp_path / "data", root_env())
    assert f"AWS_ACCESS_KEY_ID={ROOT_KEY} AWS_SECRET_ACCESS_KEY={ROOT_SECRET} AWS_DEFAULT_REGION" in first
    assert "its secret is shown only now" in first
    again = serve_on_terminal(tmp_path / "data", no_root_env())
    assert ROOT_SECRET not in again
    assert pasted(again)["AWS_SECRET_ACCESS_KEY"] == ROOT_SECRET


def serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``lamina serve`` expected to exit by itself, with its stdout and stderr apart."""
    return subprocess.run([str(LAMINA), "serve", "--data-dir", str(tmp_path / "data"), *args],
                          capture_output=True, text=True, env=env or root_env(), check=False, timeout=60)


def test_port_in_use_is_one_clear_error_before_anything_else(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = serve(tmp_path, "--port", str(port))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (f"lamina serve: port {port} on 127.0.0.1 is in use; pass --port with a free port "
                           "(or stop what listens there)\n")
    assert not (tmp_path / "data").exists()


def test_an_address_not_of_this_machine_is_one_clear_error(tmp_path: Path) -> None:
    done = serve(tmp_path, "--host", "203.0.113.7", "--port", "4599")
    assert done.returncode == 1
    assert done.stderr.startswith("lamina serve: cannot listen on 203.0.113.7: not an address of this machine")
    assert "Traceback" not in done.stderr and not (tmp_path / "data").exists()


def test_quiet_prints_no_banner(tmp_path: Path) -> None:
    port = free_port()
    with (tmp_path / "out").open("w") as out, (tmp_path / "err").open("w") as err:
        process = subprocess.Popen([str(LAMINA), "serve", "--quiet", "--port", str(port), "--data-dir",
                                    str(tmp_path / "data")], stdout=out, stderr=err, env=root_env())
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert (tmp_path / "out").read_text() == ""
    assert "INFO" not in (tmp_path / "err").read_text()
    assert (tmp_path / "data" / "root-credentials.csv").exists()


def wait_healthy(endpoint: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{endpoint}/_lamina/health", timeout=1):
                return
        except OSError:  # URLError, a refused connection, a read that timed out on a busy machine
            time.sleep(0.05)
    pytest.fail(f"lamina serve did not become healthy (exit code {process.poll()})")


def test_restart_after_a_second_root_key_pairs_the_key_with_the_saved_secret(tmp_path: Path) -> None:
    """The CSV holds the newest key; a later start must name that key, not the first one, or the line fails."""
    data_dir = tmp_path / "data"
    start_lamina(data_dir, name="first").stop()
    second_key, second_secret = "AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
    env = {**root_env(), "LAMINA_ROOT_ACCESS_KEY_ID": second_key, "LAMINA_ROOT_SECRET_ACCESS_KEY": second_secret}
    start_lamina(data_dir, env=env, name="second").stop()
    third = start_lamina(data_dir, env=no_root_env(), name="third")
    try:
        exported = pasted(third.stdout())
        assert (exported["AWS_ACCESS_KEY_ID"], exported["AWS_SECRET_ACCESS_KEY"]) == (second_key, second_secret)
        caller = sts(third, exported["AWS_ACCESS_KEY_ID"], exported["AWS_SECRET_ACCESS_KEY"]).get_caller_identity()
        assert caller["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    finally:
        third.stop()


def test_deleted_credentials_file_is_said_and_no_secret_is_made_up(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    start_lamina(data_dir, name="first").stop()
    (data_dir / "root-credentials.csv").unlink()
    again = start_lamina(data_dir, env=no_root_env(), name="again")
    again.stop()
    output = again.stdout()
    assert f"its secret is not in {data_dir.resolve() / 'root-credentials.csv'} any more" in output
    assert "AWS_SECRET_ACCESS_KEY" not in pasted(output)


def test_generated_root_key_when_no_env(tmp_path: Path) -> None:
    server = start_lamina(tmp_path / "data", env=no_root_env())
    try:
        lines = (tmp_path / "data" / "root-credentials.csv").read_text().splitlines()
        key, secret = lines[1].split(",")
        assert key.startswith("AKIA") and len(key) == 20 and len(secret) == 40
        assert sts(server, key, secret).get_caller_identity()["UserId"] == ACCOUNT
    finally:
        server.stop()
    assert secret not in server.stdout()
    assert pasted(server.stdout())["AWS_SECRET_ACCESS_KEY"] == secret


def test_an_answered_write_survives_kill_9(tmp_path: Path) -> None:
    """Durability: once CreateUser has been answered, SIGKILL loses nothing (SQLite WAL, synchronous=FULL)."""
    server = start_lamina(tmp_path / "data", name="killed")
    try:
        iam = boto3.client("iam", endpoint_url=server.endpoint, region_name="us-east-1",
                           aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET)
        iam.create_user(UserName="durable", Path="/kept/")
        key = iam.create_access_key(UserName="durable")["AccessKey"]
    finally:
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
    again = start_lamina(tmp_path / "data", name="restarted")
    try:
        iam = boto3.client("iam", endpoint_url=again.endpoint, region_name="us-east-1",
                           aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET)
        assert iam.get_user(UserName="durable")["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/kept/durable"
        listed = iam.list_access_keys(UserName="durable")["AccessKeyMetadata"]
        assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    finally:
        again.stop()


def test_port_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    done = serve(tmp_path, "--port", "99999")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == ("lamina serve: error: argument --port: '99999' is not a port number "
                                            "(0 to 65535)")


def test_unusable_data_directory_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "lamina.db").write_text("not a database")
    port = free_port()
    done = serve(tmp_path, "--port", str(port))
    assert done.returncode == 1
    assert done.stderr == (f"lamina serve: cannot use the data directory {(tmp_path / 'data').resolve()}: file is not "
                           f"a database ({(tmp_path / 'data' / 'lamina.db').resolve()})\n")
    with socket.socket() as again:  # the port it took is free again
        again.bind(("127.0.0.1", port))


def test_port_zero_takes_a_free_port_and_the_banner_names_it(tmp_path: Path) -> None:
    with (tmp_path / "out").open("w") as out:
        process = subprocess.Popen([str(LAMINA), "serve", "--port", "0", "--data-dir", str(tmp_path / "data")],
                                   stdout=out, stderr=subprocess.DEVNULL, env=root_env())
    try:
        deadline = time.monotonic() + 20
        while "AWS_DEFAULT_REGION" not in (tmp_path / "out").read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        endpoint = pasted((tmp_path / "out").read_text())["AWS_ENDPOINT_URL"]
        assert endpoint != "http://127.0.0.1:0" and (tmp_path / "out").read_text().startswith(
            f"Lamina listening on {endpoint} ")
        wait_healthy(endpoint, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_half_set_root_env_is_refused_before_anything_is_created(tmp_path: Path) -> None:
    env = {k: v for k, v in root_env().items() if k != "LAMINA_ROOT_SECRET_ACCESS_KEY"}
    done = serve(tmp_path, "--port", str(free_port()), env=env)
    assert done.returncode == 2
    assert done.stderr == ("lamina serve: set both LAMINA_ROOT_ACCESS_KEY_ID and LAMINA_ROOT_SECRET_ACCESS_KEY, "
                           "or neither\n")
    assert not (tmp_path / "data").exists()
