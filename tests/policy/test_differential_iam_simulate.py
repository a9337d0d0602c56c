"""Differential test: Lamina's ``evaluate`` against @cloud-copilot/iam-simulate on random inputs.

Hypothesis builds identity policies, an optional permissions boundary, an optional session policy
(for role sessions), an optional SCP level and an optional function policy (same-account or
cross-account caller; principals naming users, roles, sessions, accounts or everyone), with
wildcards, NotAction, NotResource, policy variables and the common condition operators over present
and absent keys, and a request. Both
engines decide it; the outcomes must be equal, except where ``docs/peer-differences.md`` lists a
known difference, each with the AWS documentation sentence that decides it (``KNOWN_PEER_DIFFERENCES``
below holds the same ids, each with a predicate recognising its cases).

iam-simulate runs as ``node tools/iam-simulate/serve.mjs``, started once per session. The test is
skipped only when ``node`` or ``tools/iam-simulate/node_modules`` is missing (``make test`` installs
them).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lamina.policy import (
    PolicyKind,
    PolicySet,
    Principal,
    PrincipalType,
    Request,
    evaluate,
    parse_policy,
)

pytestmark = pytest.mark.peer

REPO = Path(__file__).resolve().parents[2]
PEER_DIR = REPO / "tools" / "iam-simulate"
DOC = REPO / "docs" / "peer-differences.md"

Json = dict[str, Any]

OWNER = "123456789012"  # owns the functions
OTHER = "210987654321"  # a caller's account for cross-account requests
STRANGER = "444455556666"  # named in policies, never the caller
CALLERS = (f"arn:aws:iam::{OWNER}:user/alice", f"arn:aws:iam::{OTHER}:user/carol")
ROLES = (f"arn:aws:iam::{OWNER}:role/deployer", f"arn:aws:iam::{OTHER}:role/deployer")
SESSIONS = tuple(
    role.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/ci-run" for role in ROLES
)
FUNCTION_NAMES = ("orders-api", "orders-admin", "payments-api", "shared-utils", "alice-api")
ACTIONS = ("lambda:GetFunction", "lambda:InvokeFunction", "lambda:DeleteFunction",
           "lambda:UpdateFunctionCode", "lambda:GetFunctionConfiguration")


def function_arn(name: str, account: str = OWNER, region: str = "us-east-1") -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


# --- policy elements ---------------------------------------------------------------------------

ACTION_PATTERNS = st.sampled_from((
    "lambda:GetFunction", "lambda:Get*", "lambda:*", "lambda:*Function", "*", "lambda:?etFunction",
    "lambda:InvokeFunction", "lambda:DeleteFunction", "LAMBDA:getfunction", "lambda:Update*",
    "lambda:GetFunction*", "s3:GetObject",
))
RESOURCE_PATTERNS = st.sampled_from((
    "*",
    function_arn("orders-*"),
    function_arn("*"),
    f"arn:aws:lambda:*:{OWNER}:function:*",
    function_arn("payments-api"),
    function_arn("*-api", account="*"),
    function_arn("shared-???ls"),
    function_arn("orders-api", account=OTHER),
    function_arn("${aws:username}-*"),
    "arn:aws:lambda:us-east-1:*:function:orders-api",
    "arn:aws:s3:::bucket/*",
))


def one_or_many(values: st.SearchStrategy[str]) -> st.SearchStrategy[str | list[str]]:
    return st.one_of(values, st.lists(values, min_size=1, max_size=3, unique=True))


# Each family: a condition key, the operators that read it, the policy values, the request values
# (a request value of None leaves the key out of the context).
FAMILIES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[Any, ...]], ...] = (
    ("aws:PrincipalTag/team",
     ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "StringEqualsIgnoreCase",
      "StringNotEqualsIgnoreCase", "StringEqualsIfExists", "StringNotLikeIfExists"),
     ("payments", "pay*", "PAYMENTS", "b?lling", "*", "${aws:username}"),
     ("payments", "pay", "Payments", "billing", "alice", None)),
    ("aws:RequestedRegion", ("StringEquals", "StringLike", "StringNotEquals"),
     ("us-east-1", "us-*", "eu-west-1"), ("us-east-1", "eu-west-1", None)),
    ("aws:MultiFactorAuthAge",
     ("NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericEquals",
      "NumericNotEquals", "NumericLessThanIfExists"),
     ("3600", "300", "0"), ("300", "3600", "7200", None)),
    ("aws:CurrentTime",
     ("DateGreaterThan", "DateLessThan", "DateGreaterThanEquals", "DateEquals", "DateNotEquals"),
     ("2026-06-01T00:00:00Z", "2026-11-27T12:00:00Z"),
     ("2026-11-27T12:00:00Z", "2026-06-01T00:00:00Z", "2026-01-01T00:00:00Z", None)),
    ("aws:MultiFactorAuthPresent", ("Bool", "BoolIfExists"), ("true", "false"), ("true", "false", None)),
    ("aws:SourceIp", ("IpAddress", "NotIpAddress", "IpAddressIfExists"),
     ("203.0.113.0/24", "198.51.100.7/32", "2001:db8::/32"),
     ("203.0.113.7", "198.51.100.7", "2001:db8::1", "192.0.2.1", None)),
    ("aws:PrincipalArn", ("ArnLike", "ArnEquals", "ArnNotLike", "ArnNotEquals"),
     (f"arn:aws:iam::{OWNER}:user/*", "arn:aws:iam::*:user/carol", CALLERS[0], f"arn:aws:iam::{OTHER}:*"),
     ("caller",)),
    ("aws:CalledVia",
     ("ForAnyValue:StringEquals", "ForAllValues:StringEquals", "ForAnyValue:StringLike",
      "ForAllValues:StringNotEquals"),
     ("athena.amazonaws.com", "glue.amazonaws.com", "*.amazonaws.com"),
     (("athena.amazonaws.com",), ("athena.amazonaws.com", "glue.amazonaws.com"),
      ("cloudformation.amazonaws.com",), None)),
)
NULL_KEYS = ("aws:PrincipalTag/team", "aws:MultiFactorAuthAge", "aws:SourceIp", "aws:CalledVia")


@st.composite
def conditions(draw: st.DrawFn) -> Json:
    block: Json = {}
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.integers(0, 9)) == 0:
            block.setdefault("Null", {})[draw(st.sampled_from(NULL_KEYS))] = draw(st.sampled_from(("true", "false")))
            continue
        key, operators, values, _ = draw(st.sampled_from(FAMILIES))
        block.setdefault(draw(st.sampled_from(operators)), {})[key] = draw(one_or_many(st.sampled_from(values)))
    return block


@st.composite
def statements(draw: st.DrawFn, principal: bool = False) -> Json:
    statement: Json = {"Effect": draw(st.sampled_from(("Allow", "Allow", "Allow", "Deny")))}
    if principal:
        statement["Principal"] = draw(st.sampled_from((
            {"AWS": CALLERS[0]}, {"AWS": CALLERS[1]}, {"AWS": f"arn:aws:iam::{OTHER}:root"},
            {"AWS": ROLES[0]}, {"AWS": ROLES[1]}, {"AWS": SESSIONS[0]},
            {"AWS": OTHER}, {"AWS": f"arn:aws:iam::{OWNER}:root"}, "*", {"AWS": f"arn:aws:iam::{STRANGER}:root"},
        )))
    action_key = "NotAction" if draw(st.integers(0, 9)) == 0 else "Action"
    statement[action_key] = draw(one_or_many(ACTION_PATTERNS))
    resource_key = "NotResource" if draw(st.integers(0, 9)) == 0 else "Resource"
    statement[resource_key] = draw(one_or_many(RESOURCE_PATTERNS))
    condition = draw(conditions())
    if condition:
        statement["Condition"] = condition
    return statement


def documents(principal: bool = False, max_statements: int = 4) -> st.SearchStrategy[Json]:
    return st.builds(
        lambda s: {"Version": "2012-10-17", "Statement": s},
        st.lists(statements(principal), min_size=1, max_size=max_statements),
    )


@st.composite
def callers(draw: st.DrawFn) -> tuple[str, str | None]:
    """(principal ARN, role ARN behind it for a role session)."""
    index = draw(st.integers(0, 1))
    if draw(st.integers(0, 3)) == 0:
        return SESSIONS[index], ROLES[index]
    return CALLERS[index], None


def base_context(caller: str, role: str | None) -> Json:
    context: Json = {"aws:PrincipalArn": role or caller, "aws:PrincipalAccount": caller.split(":")[4]}
    if role is None:
        context.update({"aws:PrincipalType": "User", "aws:username": caller.rsplit("/", 1)[1]})
    else:
        context.update({"aws:PrincipalType": "AssumedRole", "aws:userid": "AROAEXAMPLE:ci-run"})
    return context


@st.composite
def cases(draw: st.DrawFn) -> Json:
    """One peer case in serve.mjs's shape."""
    caller, role = draw(callers())
    context = base_context(caller, role)
    for key, _, _, request_values in FAMILIES:
        value = draw(st.sampled_from(request_values))
        if value is not None and value != "caller":
            context[key] = list(value) if isinstance(value, tuple) else value
    identity = draw(st.lists(documents(), min_size=1, max_size=2))
    case: Json = {
        "identity_policies": [{"name": f"id{i}", "policy": doc} for i, doc in enumerate(identity)],
        "request": {
            "principal": caller,
            "role_arn": role,
            "action": draw(st.sampled_from(ACTIONS)),
            "resource": function_arn(draw(st.sampled_from(FUNCTION_NAMES))),
            "resource_account": OWNER,
            "context": context,
        },
    }
    if draw(st.booleans()):
        case["boundary"] = draw(documents(max_statements=3))
    if role is not None and draw(st.booleans()):
        case["session_policy"] = draw(documents(max_statements=3))
    if draw(st.integers(0, 3)) == 0:
        case["scps"] = [[draw(documents(max_statements=2))]]
    if caller.split(":")[4] != OWNER or draw(st.booleans()):
        case["resource_policy"] = draw(documents(principal=True, max_statements=3))
    return case


# --- the two engines ---------------------------------------------------------------------------


def lamina_outcome(case: Json) -> str:
    request = case["request"]
    caller, role = request["principal"], request.get("role_arn")
    kind = PrincipalType.USER if role is None else PrincipalType.ASSUMED_ROLE
    principal = Principal(caller, kind, caller.split(":")[4], role_arn=role)
    boundary, resource_policy = case.get("boundary"), case.get("resource_policy")
    session = case.get("session_policy")
    policies = PolicySet(
        identity=[parse_policy(p["policy"], PolicyKind.IDENTITY, p["name"]) for p in case["identity_policies"]],
        boundary=parse_policy(boundary, PolicyKind.IDENTITY, "boundary") if boundary else None,
        session=[parse_policy(session, PolicyKind.IDENTITY, "session")] if session else None,
        scps=[[parse_policy(d, PolicyKind.IDENTITY, "scp") for d in level] for level in case["scps"]]
        if case.get("scps") else None,
        resource=parse_policy(resource_policy, PolicyKind.RESOURCE, "resource") if resource_policy else None,
    )
    lamina_request = Request(principal, request["action"], request["resource"], context=request["context"],
                             resource_account=request["resource_account"])
    return evaluate(lamina_request, policies).outcome.value


class PeerServer:
    """``node serve.mjs``: one JSON line in, one JSON line out."""

    def __init__(self, node: str) -> None:
        self._proc = subprocess.Popen(
            [node, str(PEER_DIR / "serve.mjs")], cwd=PEER_DIR, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, bufsize=1,
        )

    def decide(self, case: Json) -> Json:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(case) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"serve.mjs exited with {self._proc.wait()}")
        return json.loads(line)

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


@pytest.fixture(scope="session")
def iam_simulate() -> Iterator[PeerServer]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make test installs the peer engine)")
    if not (PEER_DIR / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        pytest.skip("tools/iam-simulate/node_modules is missing (run `make peers`)")
    server = PeerServer(node)
    yield server
    server.close()


# --- known differences (docs/peer-differences.md) ----------------------------------------------

Predicate = Callable[[Json, str, str], bool]
NEGATED = re.compile(r"^(ForAnyValue:|ForAllValues:)?(StringNot|ArnNot)")
VARIABLE = re.compile(r"\$\{([^},]+)\}")


def _documents(case: Json) -> Iterator[Json]:
    yield from (named["policy"] for named in case["identity_policies"])
    for key in ("boundary", "session_policy", "resource_policy"):
        if case.get(key):
            yield case[key]
    for level in case.get("scps") or ():
        yield from level


def _unresolved(values: Any, context: Json) -> bool:
    """Whether a value (or list) names a policy variable whose key the request context lacks."""
    present = {key.lower() for key in context}
    texts = values if isinstance(values, list) else [values]
    return any(name.strip().lower() not in present for text in texts for name in VARIABLE.findall(text))


def _unresolved_not_resource(case: Json, ours: str, theirs: str) -> bool:
    context = case["request"]["context"]
    return any(_unresolved(statement.get("NotResource", []), context)
               for doc in _documents(case) for statement in doc["Statement"])


def _unresolved_negated_condition(case: Json, ours: str, theirs: str) -> bool:
    context = case["request"]["context"]
    return any(NEGATED.match(operator) and _unresolved(value, context)
               for doc in _documents(case) for statement in doc["Statement"]
               for operator, block in statement.get("Condition", {}).items() for value in block.values())


def _session_arn_granted_despite_session_policy(case: Json, ours: str, theirs: str) -> bool:
    """The resource policy names the caller's own session ARN: Lamina allows where the peer lets the
    session policy (or a missing identity allow) veto the grant."""
    request = case["request"]
    if ours != "Allow" or not request["principal"].startswith("arn:aws:sts::") or not case.get("resource_policy"):
        return False
    named: list[str] = []
    for statement in case["resource_policy"]["Statement"]:
        principal = statement.get("Principal", {})
        aws = principal.get("AWS", []) if isinstance(principal, dict) else []
        named += [aws] if isinstance(aws, str) else list(aws)
    return request["principal"] in named


KNOWN_PEER_DIFFERENCES: dict[str, Predicate] = {
    "PD-1": _unresolved_not_resource,
    "PD-2": _unresolved_negated_condition,
    "PD-3": _session_arn_granted_despite_session_policy,
}


def known_difference(case: Json, ours: str, theirs: str) -> str | None:
    for difference_id, applies in KNOWN_PEER_DIFFERENCES.items():
        if applies(case, ours, theirs):
            return difference_id
    return None


def test_known_differences_are_documented() -> None:
    documented = set(re.findall(r"^\| *(PD-\d+) *\|", DOC.read_text(), flags=re.MULTILINE))
    assert documented == set(KNOWN_PEER_DIFFERENCES)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_lamina_agrees_with_iam_simulate(iam_simulate: PeerServer, case: Json) -> None:
    answer = iam_simulate.decide(case)
    assert "error" not in answer, f"iam-simulate refused the case: {answer} {json.dumps(case)}"
    ours = lamina_outcome(case)
    if ours == answer["outcome"] or known_difference(case, ours, answer["outcome"]):
        return
    raise AssertionError(f"Lamina {ours}, iam-simulate {answer['outcome']}\n{json.dumps(case, indent=1)}")
