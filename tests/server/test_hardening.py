"""Hostile requests against a real server: bounded bodies, duplicate credentials, unparseable HTTP,
and heavy work that must not hold up anyone else (issue: no request can stall, fool or exhaust)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError
from lamina_server import ROOT_KEY, ROOT_SECRET, Lamina, signed_headers

FORM = "Action=GetCallerIdentity&Version=2011-06-15"
PASSWORD = "Corr3ct-Horse!Battery"


@dataclass
class Raw:
    status: int
    headers: Mapping[str, str]
    body: bytes


def exchange(endpoint: str, head: bytes, body_chunks: Iterable[bytes] = ()) -> Raw:
    """Send ``head`` (and whatever of the body the server reads before answering) on a fresh
    socket; return the first response. Stops sending once the server has answered."""
    host, port = urlsplit(endpoint).hostname, urlsplit(endpoint).port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        received = b""
        for chunk in body_chunks:
            received += _drain(sock)
            if b"\r\n\r\n" in received:
                break
            try:
                sock.sendall(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                break
        sock.setblocking(True)
        sock.settimeout(10)
        while b"\r\n\r\n" not in received or not _complete(received):
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            received += data
    return _parse(received)


def _drain(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except BlockingIOError:
        return b""


def _complete(raw: bytes) -> bool:
    head, _, body = raw.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _parse(raw: bytes) -> Raw:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Raw(int(lines[0].split()[1]), headers, body)


def request_head(method: str, path: str, headers: Mapping[str, str],
                 extra: Iterable[tuple[str, str]] = ()) -> bytes:
    lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()] + [f"{k}: {v}" for k, v in extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def xml_code(body: bytes) -> str:
    text = body.decode()
    return text[text.index("<Code>") + 6 : text.index("</Code>")]


# -- bodies are bounded before they are read ------------------------------------------------------


def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(lamina: Lamina) -> None:
    host = urlsplit(lamina.endpoint).netloc
    head = request_head("POST", "/", {"Host": host, "Content-Type": "application/x-www-form-urlencoded",
                                      "Content-Length": str(256 * 1024 * 1024)})
    answer = exchange(lamina.endpoint, head)  # not one byte of the 256 MB is sent
    assert answer.status == 413
    assert xml_code(answer.body) == "RequestEntityTooLarge"
    assert answer.headers["connection"] == "close"


def test_a_large_unsigned_body_is_refused_before_it_is_read(lamina: Lamina) -> None:
    host = urlsplit(lamina.endpoint).netloc
    head = request_head("POST", "/", {"Host": host, "Content-Type": "application/x-www-form-urlencoded",
                                      "Content-Length": str(1024 * 1024)})
    answer = exchange(lamina.endpoint, head)
    assert (answer.status, xml_code(answer.body)) == (403, "MissingAuthenticationToken")


def test_a_large_body_from_an_unknown_key_is_refused_before_it_is_read(lamina: Lamina) -> None:
    url = lamina.endpoint + "/"
    headers = signed_headers(url, FORM, key="AKIAUNKNOWNUNKNOWN00")
    headers["Content-Length"] = str(1024 * 1024)
    answer = exchange(lamina.endpoint, request_head("POST", "/", headers))
    assert (answer.status, xml_code(answer.body)) == (403, "InvalidClientTokenId")


def test_a_chunked_body_growing_past_the_limit_is_cut_off(lamina: Lamina) -> None:
    url = lamina.endpoint + "/"
    headers = signed_headers(url, FORM)  # a known key: its body is read, but only up to the limit
    headers.pop("Content-Length", None)
    headers["Transfer-Encoding"] = "chunked"
    piece = b"x" * 65536
    chunks = (f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for _ in range(64))  # 4 MiB, limit 2 MiB
    answer = exchange(lamina.endpoint, request_head("POST", "/", headers), chunks)
    assert (answer.status, xml_code(answer.body)) == (413, "RequestEntityTooLarge")


def test_lambda_refuses_an_oversized_invoke_in_its_own_words(lamina: Lamina) -> None:
    path = "/2015-03-31/functions/my-function/invocations"
    headers = signed_headers(lamina.endpoint + path, "{}", service="lambda")
    headers["Content-Length"] = str(7 * 1024 * 1024)
    answer = exchange(lamina.endpoint, request_head("POST", path, headers))
    assert (answer.status, answer.headers["x-amzn-errortype"]) == (413, "RequestEntityTooLargeException")
    assert json.loads(answer.body)["Message"] == \
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"


def test_lambda_code_uploads_have_their_larger_limit(lamina: Lamina) -> None:
    path = "/2015-03-31/functions"
    headers = signed_headers(lamina.endpoint + path, "{}", service="lambda")
    headers["Content-Length"] = str(71 * 1024 * 1024)
    answer = exchange(lamina.endpoint, request_head("POST", path, headers))
    assert json.loads(answer.body)["Message"] == \
        "Request must be smaller than 70167211 bytes for the CreateFunction operation"
    layer_path = "/2018-10-31/layers/my-layer/versions"
    headers = signed_headers(lamina.endpoint + layer_path, "{}", service="lambda")
    headers["Content-Length"] = str(71 * 1024 * 1024)
    answer = exchange(lamina.endpoint, request_head("POST", layer_path, headers))
    assert json.loads(answer.body)["Message"] == \
        "Request must be smaller than 70167211 bytes for the PublishLayerVersion operation"


# -- duplicate authentication material is refused -------------------------------------------------


def test_a_second_authorization_header_is_refused(lamina: Lamina) -> None:
    url = lamina.endpoint + "/"
    headers = {**signed_headers(url, FORM), "Content-Length": str(len(FORM))}
    head = request_head("POST", "/", headers, [("Authorization", "AWS4-HMAC-SHA256 Credential=bogus")])
    answer = exchange(lamina.endpoint, head + FORM.encode())
    assert (answer.status, xml_code(answer.body)) == (400, "IncompleteSignature")
    alone = exchange(lamina.endpoint, request_head("POST", "/", headers) + FORM.encode())
    assert alone.status == 200  # the same request with one copy is fine


def test_a_presigned_url_with_a_second_signature_is_refused(lamina: Lamina) -> None:
    sts = boto3.client("sts", endpoint_url=lamina.endpoint, region_name="us-east-1",
                       aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET)
    url = urlsplit(sts.generate_presigned_url("get_caller_identity"))
    host = url.netloc
    bare = {"Host": host, "Content-Length": "0"}  # botocore presigns STS calls as POST
    good = exchange(lamina.endpoint, request_head("POST", f"/?{url.query}", bare))
    assert good.status == 200
    doubled = f"/?{url.query}&X-Amz-Signature={'0' * 64}"
    answer = exchange(lamina.endpoint, request_head("POST", doubled, bare))
    assert (answer.status, xml_code(answer.body)) == (400, "IncompleteSignature")


# -- unparseable HTTP gets an AWS-shaped answer ---------------------------------------------------


@pytest.mark.parametrize("head", [
    b"get / HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /caf\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
], ids=["lower-case-method", "raw-utf8-path", "huge-header", "bad-length"])
def test_unparseable_http_gets_an_aws_shaped_400(lamina: Lamina, head: bytes) -> None:
    answer = exchange(lamina.endpoint, head)
    assert answer.status == 400
    assert answer.headers["x-amzn-errortype"] == "BadRequestException"
    assert json.loads(answer.body)["Type"] == "User"


# -- heavy work runs off the event loop -----------------------------------------------------------


@pytest.fixture
def iam(lamina: Lamina) -> boto3.client:
    return boto3.client("iam", endpoint_url=lamina.endpoint, region_name="us-east-1",
                        aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET)


def health(lamina: Lamina) -> dict[str, object]:
    answer = exchange(lamina.endpoint, request_head("GET", "/_lamina/health", {"Host": "x"}))
    found: dict[str, object] = json.loads(answer.body)
    return found


def test_password_hashing_does_not_hold_up_other_requests(lamina: Lamina, iam: boto3.client) -> None:
    names = [f"hasher{i}" for i in range(12)]
    for name in names:
        iam.create_user(UserName=name)

    def create(name: str) -> None:
        iam.create_login_profile(UserName=name, Password=PASSWORD)

    with ThreadPoolExecutor(len(names)) as pool:
        futures = [pool.submit(create, name) for name in names]
        busy_seen = []
        for _ in range(500):  # answered while a worker hashes: the loop itself is free
            busy_seen.append(health(lamina)["workers_busy"])
            if busy_seen[-1] or all(f.done() for f in futures):
                break
        for future in futures:
            future.result()
    assert any(busy_seen), "health never answered while a password was being hashed"
    assert iam.get_login_profile(UserName=names[-1])["LoginProfile"]["UserName"] == names[-1]


def test_past_the_worker_queue_callers_are_throttled_as_aws_does(lamina: Lamina, iam: boto3.client) -> None:
    iam.create_user(UserName="throttled")
    iam.create_login_profile(UserName="throttled", Password=PASSWORD)
    client = boto3.client("iam", endpoint_url=lamina.endpoint, region_name="us-east-1",
                          aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET,
                          config=boto3.session.Config(retries={"max_attempts": 1}, max_pool_connections=64))

    def update(_: int) -> str:
        try:
            client.update_login_profile(UserName="throttled", Password=PASSWORD)
            return "ok"
        except ClientError as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
            return str(error.response["Error"]["Code"]) + ":" + error.response["Error"]["Message"]

    with ThreadPoolExecutor(64) as pool:
        outcomes = list(pool.map(update, range(64)))
    assert "ok" in outcomes
    assert "Throttling:Rate exceeded" in outcomes
    assert set(outcomes) <= {"ok", "Throttling:Rate exceeded"}


# -- the worst simulation, and a flood of large requests ------------------------------------------

WILDCARD = "arn:aws:iam::123456789012:user/" + "*a" * 10 + "*b"


def worst_simulation(salt: str) -> str:
    """As many backtracking-wildcard statements as fit in one document, 100 actions, 2 resources."""
    statements = [{"Effect": "Allow", "Action": f"iam:Get{salt}{i}*", "Resource": WILDCARD} for i in range(1150)]
    form = {"Action": "SimulateCustomPolicy", "Version": "2010-05-08",
            "PolicyInputList.member.1": json.dumps({"Version": "2012-10-17", "Statement": statements},
                                                   separators=(",", ":"))}
    for i in range(1, 101):
        form[f"ActionNames.member.{i}"] = f"iam:Get{salt}{i}"
    form["ResourceArns.member.1"] = "arn:aws:iam::123456789012:user/" + "a" * 40
    form["ResourceArns.member.2"] = "arn:aws:iam::123456789012:user/" + "a" * 39 + "b"
    return urlencode(form)


def post_form(lamina: Lamina, body: str) -> Raw:
    headers = {**signed_headers(lamina.endpoint + "/", body, service="iam"), "Content-Length": str(len(body))}
    return exchange(lamina.endpoint, request_head("POST", "/", headers) + body.encode())


def test_the_worst_simulation_is_answered_in_full(lamina: Lamina) -> None:
    answer = post_form(lamina, worst_simulation("x"))
    assert answer.status == 200, answer.body[:300]
    assert answer.body.count(b"<EvalDecision>allowed</EvalDecision>") == 100  # the first page: 100 results
    assert b"<IsTruncated>true</IsTruncated>" in answer.body


def test_large_requests_from_one_account_are_throttled_before_their_bodies_are_read(lamina: Lamina) -> None:
    bodies = [worst_simulation(f"s{i}") for i in range(40)]
    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(lambda body: post_form(lamina, body), bodies))
    throttled = [a for a in answers if a.status == 400 and xml_code(a.body) == "Throttling"]
    assert throttled, [a.status for a in answers]
    assert all(a.status == 200 or a in throttled for a in answers), [a.body[:200] for a in answers if a.status != 200]


def test_a_forwarded_for_header_cannot_choose_the_source_ip(lamina: Lamina, iam: boto3.client) -> None:
    """aws:SourceIp is the peer's address: a caller on this machine cannot claim another one with
    X-Forwarded-For and pass a policy's address condition."""
    admin = iam
    admin.create_user(UserName="from-office")
    admin.put_user_policy(UserName="from-office", PolicyName="office", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*",
                                                "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}))
    key = admin.create_access_key(UserName="from-office")["AccessKey"]
    client = boto3.client("iam", endpoint_url=lamina.endpoint, region_name="us-east-1",
                          aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    client.meta.events.register("before-sign.iam.GetUser", lambda request, **_: request.headers.__setitem__(
        "X-Forwarded-For", "203.0.113.7"))
    with pytest.raises(ClientError) as denied:
        client.get_user(UserName="from-office")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
