"""Hypothesis strategies for random but valid policy documents, policy sets and requests.

The alphabets are tiny on purpose: two accounts, a handful of actions, names and context values,
so that random patterns, principals and conditions actually match random requests often enough
to exercise every rule of docs/evaluation-semantics.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from lamina.policy import (
    Policy,
    PolicyKind,
    PolicySet,
    Principal,
    PrincipalType,
    Request,
    parse_policy,
)

A, B = "111111111111", "222222222222"
ACCOUNTS = (A, B)
SERVICES = ("sns.amazonaws.com", "lambda.amazonaws.com")
PROVIDERS = ("accounts.google.com", "cognito-identity.amazonaws.com")

ACTIONS = ("lambda:GetFunction", "lambda:InvokeFunction", "lambda:InvokeAsync", "iam:GetUser", "s3:GetObject")
TRUST_ACTIONS = ("sts:AssumeRole", "sts:TagSession", "sts:AssumeRoleWithWebIdentity")
ACTION_PATTERNS = ("*", "lambda:*", "sts:*", "lambda:GetFunction", "lambda:Invoke*", "lambda:*Function",
                   "LAMBDA:getfunction", "lambda:Get?unction", "iam:*", "s3:GetObject", "s3:*", "*")
TRUST_ACTION_PATTERNS = ("sts:AssumeRole", "sts:*", "sts:AssumeRole*", "STS:assumerole", "*")


def fn(account: str, name: str) -> str:
    return f"arn:aws:lambda:us-east-1:{account}:function:{name}"


RESOURCES = (fn(A, "orders"), fn(A, "alice"), fn(A, "orders:1"), fn(B, "orders"), fn(B, "alice"),
             "arn:aws:s3:::bucket/alice/key.txt", f"arn:aws:iam::{A}:user/alice", "*")
RESOURCE_PATTERNS = (
    "*", "*", "*", "*", fn("*", "*"), f"arn:aws:lambda:*:{A}:function:*", fn("*", "orders"), fn(A, "ord?rs"),
    fn(A, "orders*"), fn(A, "${aws:username}"), fn(A, "${aws:username, 'orders'}"),
    fn(A, "${aws:PrincipalTag/team}"), fn(B, "${AWS:UserName}"), fn("*", "${*}"),
    "arn:aws:s3:::bucket/${aws:username}/*", "arn:aws:s3:::bucket/*", f"arn:aws:iam::{A}:user/${{aws:username}}",
    "arn:aws:iam::*:user/alice", "arn:aws:lambda:us-east-1:*:function:${aws:username}${?}${$}",
)


def user_arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


def role_arn(account: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:role{path}R"


def session_arn(account: str) -> str:
    return f"arn:aws:sts::{account}:assumed-role/R/s1"


def federated_arn(account: str) -> str:
    return f"arn:aws:sts::{account}:federated-user/alice"


# ---------------------------------------------------------------- requests


@st.composite
def principals(draw: st.DrawFn, kind: PrincipalType | None = None) -> Principal:
    """A caller of every PrincipalType (or of ``kind``), in one of two accounts."""
    account = draw(st.sampled_from((A, A, A, B)))  # mostly the account that owns most resources
    kind = kind or draw(st.sampled_from([*PrincipalType, PrincipalType.USER, PrincipalType.ASSUMED_ROLE]))
    if kind is PrincipalType.USER:
        return Principal(user_arn(account, draw(st.sampled_from(("alice", "bob")))), kind, account)
    if kind is PrincipalType.ASSUMED_ROLE:
        role = role_arn(account, draw(st.sampled_from(("/", "/path/"))))
        return Principal(session_arn(account), kind, account, role_arn=role)
    if kind is PrincipalType.FEDERATED_USER:
        return Principal(federated_arn(account), kind, account)
    if kind is PrincipalType.ROOT:
        return Principal(f"arn:aws:iam::{account}:root", kind, account)
    if kind is PrincipalType.SERVICE:
        return Principal(draw(st.sampled_from(SERVICES)), kind)
    if kind is PrincipalType.WEB_IDENTITY:  # not yet an AWS principal: no account, only its provider
        provider = draw(st.sampled_from(PROVIDERS))
        return Principal(f"{provider}:subject-1", kind, federated=provider)
    return Principal("anonymous", kind)


# Condition keys: (context values a request may carry, operators that fit, policy values that fit).
STRINGS = ("alice", "orders", "*", "Alice", "pay", "payments", "eng", "")
STRING_PATTERNS = ("alice", "Alice", "pay*", "p?y", "*", "orders", "${aws:username}", "${aws:PrincipalTag/team}",
                   "${aws:username, 'alice'}", "${*}", "eng", "${aws:CalledVia}", "${aws:TagKeys, 'Alice'}")
TIMES = ("2026-03-01T12:00:00Z", "2026-03-01", "2026-03-01T14:00:00+02:00", "1772366400", "1772366399",
         "2026-06-01T00:00:00Z", "not-a-date")
ARNS = (user_arn(A, "alice"), user_arn(B, "alice"), role_arn(A), session_arn(A), "not-an-arn", f"arn:aws:iam::{A}",
        fn(A, "orders"), fn(B, "orders:1"))
ARN_PATTERNS = (f"arn:aws:iam::{A}:user/*", "arn:aws:iam::*:role/R", f"arn:aws:sts::{A}:assumed-role/R/*",
                "${aws:PrincipalArn}", f"arn:aws:iam::{A}:user/${{aws:username}}", "*", "arn:*:*:*:*:*",
                "arn:aws:lambda:*:*:function:orders*", f"arn:aws:iam::{A}:*", "arn:aws:*:*:*:*", "arn:aws:*")
STRING_OPS = ("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
              "StringLike", "StringNotLike")
NUMERIC_OPS = ("NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
               "NumericGreaterThan", "NumericGreaterThanEquals")
DATE_OPS = tuple(op.replace("Numeric", "Date") for op in NUMERIC_OPS)
ARN_OPS = ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike")

FAMILIES: dict[str, tuple[tuple[Any, ...], tuple[str, ...], tuple[Any, ...]]] = {
    "string": (STRINGS, STRING_OPS, STRING_PATTERNS),
    "numeric": ((300, "3600", "0", "-1", "1.5", "abc", 3601), NUMERIC_OPS, ("300", "3600", 3600, "1.5", "-2", "x")),
    "date": ((*TIMES, 1772366400), DATE_OPS, (*TIMES, 1772366400)),
    "bool": ((True, False, "true", "false"), ("Bool",), ("true", "false", "TRUE", True, False, "maybe")),
    "binary": (("YWJj", "eHl6", "AA==", "!!"), ("BinaryEquals",), ("YWJj", "eHl6", "AA==", "%%")),
    "ip": (("10.0.0.1", "10.1.2.3", "192.168.1.1", "2001:db8::1", "::1", "bogus"), ("IpAddress", "NotIpAddress"),
           ("10.0.0.0/8", "10.0.0.1", "192.168.0.0/16", "2001:db8::/32", "::1", "0.0.0.0/0", "bogus")),
    "arn": (ARNS, ARN_OPS, ARN_PATTERNS),
}
KEYS: dict[str, tuple[tuple[str, ...], str, bool]] = {  # key -> (spellings, family, multivalued)
    "aws:username": (("aws:username", "AWS:UserName"), "string", False),
    "aws:PrincipalTag/team": (("aws:PrincipalTag/team", "aws:principaltag/TEAM"), "string", False),
    "aws:CalledVia": (("aws:CalledVia",), "string", True),
    "aws:TagKeys": (("aws:TagKeys",), "string", True),
    "aws:MultiFactorAuthAge": (("aws:MultiFactorAuthAge",), "numeric", False),
    "aws:CurrentTime": (("aws:CurrentTime", "aws:currenttime"), "date", False),
    "aws:EpochTime": (("aws:EpochTime",), "numeric", False),
    "aws:MultiFactorAuthPresent": (("aws:MultiFactorAuthPresent",), "bool", False),
    "lamina:Blob": (("lamina:Blob",), "binary", False),
    "aws:SourceIp": (("aws:SourceIp", "aws:sourceip"), "ip", False),
    "aws:PrincipalArn": (("aws:PrincipalArn",), "arn", False),
    "aws:SourceArn": (("aws:SourceArn",), "arn", False),
}


@st.composite
def contexts(draw: st.DrawFn) -> dict[str, Any]:
    """A request context: some keys of every family, each present or missing."""
    out: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(sorted(KEYS)), unique=True, max_size=7)):
        spellings, family, multivalued = KEYS[key]
        values = FAMILIES[family][0]
        if multivalued:
            out[key] = draw(st.lists(st.sampled_from(STRINGS[:6]), max_size=3, unique=True))
        else:
            out[draw(st.sampled_from(spellings))] = draw(st.sampled_from(values))
    return out


@st.composite
def requests(draw: st.DrawFn, trust: bool = False) -> Request:
    """A request by any principal; ``trust`` makes it an sts action on a role."""
    caller = draw(principals(PrincipalType.ASSUMED_ROLE if trust and draw(st.booleans()) else None))
    if trust:
        action, resource = draw(st.sampled_from(TRUST_ACTIONS)), role_arn(draw(st.sampled_from(ACCOUNTS)))
    else:
        action, resource = draw(st.sampled_from(ACTIONS)), draw(st.sampled_from(RESOURCES))
    resource_account = draw(st.sampled_from((None, None, None, None, None, A, B)))
    return Request(caller, action, resource, draw(contexts()), resource_account)


# ---------------------------------------------------------------- documents


def one_or_many(values: st.SearchStrategy[Any], max_size: int = 3) -> st.SearchStrategy[Any]:
    """A JSON element that may be a single value or a list of them."""
    return values | st.lists(values, min_size=1, max_size=max_size)


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    """A Condition block over every operator family, qualifier and IfExists."""
    block: dict[str, dict[str, Any]] = {}
    for key in draw(st.lists(st.sampled_from(sorted(KEYS)), min_size=1, max_size=2)):
        spellings, family, multivalued = KEYS[key]
        _, operators, policy_values = FAMILIES[family]
        spelling = draw(st.sampled_from(spellings))
        if draw(st.integers(0, 5)) == 0:
            block.setdefault("Null", {})[spelling] = draw(st.sampled_from(("true", "false", True, False)))
            continue
        operator = draw(st.sampled_from(operators))
        if draw(st.booleans()):
            operator += "IfExists"
        if multivalued or draw(st.integers(0, 4)) == 0:
            operator = draw(st.sampled_from(("ForAllValues:", "ForAnyValue:", ""))) + operator
        block.setdefault(operator, {})[spelling] = draw(one_or_many(st.sampled_from(policy_values)))
    return block


PRINCIPAL_ENTRIES = (
    ("AWS", "*"), ("AWS", A), ("AWS", B), ("AWS", f"arn:aws:iam::{A}:root"), ("AWS", f"arn:aws:iam::{B}:root"),
    ("AWS", user_arn(A, "alice")), ("AWS", user_arn(B, "alice")), ("AWS", role_arn(A)), ("AWS", role_arn(B)),
    ("AWS", role_arn(A, "/path/")), ("AWS", session_arn(A)), ("AWS", session_arn(B)), ("AWS", federated_arn(A)),
    ("Service", SERVICES[0]), ("Service", SERVICES[1]), ("Federated", PROVIDERS[0]), ("CanonicalUser", "c0ffee"),
)


@st.composite
def principal_elements(draw: st.DrawFn) -> Any:
    """A Principal element: "*", or a map of kind -> one value or a list."""
    if draw(st.integers(0, 6)) == 0:
        return "*"
    entries = draw(st.lists(st.sampled_from(PRINCIPAL_ENTRIES), min_size=1, max_size=3, unique=True))
    block: dict[str, list[str]] = {}
    for kind, value in entries:
        block.setdefault(kind, []).append(value)
    return {kind: values[0] if len(values) == 1 else values for kind, values in block.items()}


@st.composite
def statements(draw: st.DrawFn, kind: PolicyKind = PolicyKind.IDENTITY,
               effect: str | None = None) -> dict[str, Any]:
    """One valid statement of ``kind``; Allow five times as often as Deny unless ``effect`` is given."""
    trust = kind is PolicyKind.TRUST
    out: dict[str, Any] = {"Effect": effect or ("Deny" if draw(st.integers(0, 5)) == 0 else "Allow")}
    actions = st.sampled_from(TRUST_ACTION_PATTERNS if trust else ACTION_PATTERNS)
    out["NotAction" if draw(st.integers(0, 5)) == 0 else "Action"] = draw(one_or_many(actions))
    if not trust:
        name = "NotResource" if draw(st.integers(0, 5)) == 0 else "Resource"
        out[name] = draw(one_or_many(st.sampled_from(RESOURCE_PATTERNS)))
    if kind is not PolicyKind.IDENTITY:
        name = "NotPrincipal" if not trust and draw(st.integers(0, 6)) == 0 else "Principal"
        out[name] = draw(principal_elements())
    if draw(st.integers(0, 2)) == 0:
        out["Condition"] = draw(conditions())
    return out


@st.composite
def documents(draw: st.DrawFn, kind: PolicyKind = PolicyKind.IDENTITY, max_statements: int = 3) -> dict[str, Any]:
    """A whole document; mostly 2012-10-17 (variables on), sometimes 2008-10-17 or no Version."""
    body = draw(st.lists(statements(kind), min_size=1, max_size=max_statements))
    for i, statement in enumerate(body):
        if draw(st.booleans()):
            statement["Sid"] = f"S{i}"
    doc: dict[str, Any] = {"Statement": body if len(body) > 1 or draw(st.booleans()) else body[0]}
    version = draw(st.sampled_from(("2012-10-17", "2012-10-17", "2012-10-17", "2008-10-17", None)))
    if version:
        doc["Version"] = version
    return doc


# ---------------------------------------------------------------- policy sets


def parsed(kind: PolicyKind, prefix: str) -> Callable[[list[dict[str, Any]]], list[Policy]]:
    def build(docs: list[dict[str, Any]]) -> list[Policy]:
        return [parse_policy(d, kind, policy_id=f"{prefix}{i}") for i, d in enumerate(docs)]

    return build


def policy_lists(prefix: str, min_size: int = 0, max_size: int = 2) -> st.SearchStrategy[list[Policy]]:
    return st.lists(documents(), min_size=min_size, max_size=max_size).map(parsed(PolicyKind.IDENTITY, prefix))


FULL_ACCESS = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}


@st.composite
def levels(draw: st.DrawFn, prefix: str) -> list[list[Policy]] | None:
    """SCP/RCP levels: None (not governed) or one or two levels, most holding AWS's default full access."""
    if draw(st.integers(0, 3)) > 0:
        return None
    out = []
    for n in range(draw(st.integers(1, 2))):
        docs = draw(st.lists(documents(), min_size=1, max_size=2))
        if draw(st.integers(0, 7)) > 0:
            docs.insert(draw(st.integers(0, len(docs))), FULL_ACCESS)
        out.append(parsed(PolicyKind.IDENTITY, f"{prefix}{n}.")(docs))
    return out


@st.composite
def policy_sets(draw: st.DrawFn, trust: bool = False) -> PolicySet:
    """Every policy type, each present or not; ``trust`` puts a role trust policy in ``resource``."""
    boundary = draw(st.none() | st.none() | policy_lists("boundary", 1, 1).map(lambda ps: ps[0]))
    session = draw(st.none() | policy_lists("session", 1, 2))
    resource = None
    kind = PolicyKind.TRUST if trust else PolicyKind.RESOURCE
    if trust or draw(st.booleans()):
        resource = parse_policy(draw(documents(kind)), kind, policy_id="resource")
    identity = draw(policy_lists("identity", 0, 3) | policy_lists("identity", 1, 3))
    return PolicySet(identity=identity, boundary=boundary, session=session, scps=draw(levels("scp")),
                     rcps=draw(levels("rcp")), resource=resource)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Request, PolicySet]:
    """A request and the policies that apply to it; one case in four is an sts call under a trust policy."""
    trust = draw(st.integers(0, 3)) == 0
    return draw(requests(trust)), draw(policy_sets(trust))


@st.composite
def batches(draw: st.DrawFn, max_requests: int = 4) -> tuple[list[Request], PolicySet]:
    """One policy set and several requests to ask of it (cheaper than drawing a policy set for each)."""
    trust = draw(st.integers(0, 3)) == 0
    return draw(st.lists(requests(trust), min_size=1, max_size=max_requests)), draw(policy_sets(trust))
