"""Invariants of AWS's evaluation logic, checked on the compiled engine with random policies.

Each property is one sentence of AWS's documentation that holds whatever the policies say, so a
counterexample is a bug in the engine (or in docs/evaluation-semantics.md) without any oracle.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import batches, documents, statements

from lamina.policy import (
    Decision,
    Document,
    MalformedPolicyDocument,
    Outcome,
    Policy,
    PolicyKind,
    PolicySet,
    Request,
    evaluate,
    parse_document,
    parse_policy,
)

PROPERTY = settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
Batch = tuple[list[Request], PolicySet]


def statement_list(policy: Policy) -> list[dict[str, Any]]:
    body = policy.document.source["Statement"]
    return copy.deepcopy(body if isinstance(body, list) else [body])


def reparse(policy: Policy, body: list[dict[str, Any]]) -> Policy:
    """``policy`` with its statements replaced by ``body`` (same id, kind and Version)."""
    doc = {**policy.document.source, "Statement": body}
    return parse_policy(doc, policy.document.kind, policy_id=policy.policy_id)


def with_statement(policies: PolicySet, statement: dict[str, Any], slot: str) -> PolicySet:
    """``policies`` plus one statement: in a new identity, session or SCP policy, or in the resource policy."""
    if slot == "resource" and policies.resource is None:
        return replace(policies, resource=parse_policy({"Version": "2012-10-17", "Statement": statement},
                                                       PolicyKind.RESOURCE, policy_id="extra"))
    if slot == "resource" and policies.resource is not None:
        if policies.resource.document.kind is PolicyKind.TRUST:  # no Resource, no NotPrincipal in a trust policy
            statement = {k: v for k, v in statement.items() if k not in ("Resource", "NotResource", "NotPrincipal")}
            statement.setdefault("Principal", "*")
        return replace(policies, resource=reparse(policies.resource, [*statement_list(policies.resource), statement]))
    extra = parse_policy({"Version": "2012-10-17", "Statement": [statement]}, policy_id="extra")
    if slot == "session" and policies.session is not None:
        return replace(policies, session=[*policies.session, extra])
    if slot == "scp" and policies.scps:
        return replace(policies, scps=[[*policies.scps[0], extra], *policies.scps[1:]])
    return replace(policies, identity=[*policies.identity, extra])


def added_statement(effect: str) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """A statement of ``effect`` and where to add it; resource statements carry a Principal."""
    slots = st.sampled_from(("identity", "session", "scp"))
    elsewhere = st.tuples(statements(PolicyKind.IDENTITY, effect), slots)
    return elsewhere | st.tuples(statements(PolicyKind.RESOURCE, effect), st.just("resource"))


@PROPERTY
@given(batches(), added_statement("Deny"))
def test_adding_a_deny_never_turns_a_deny_into_allow(batch: Batch, addition: tuple[dict[str, Any], str]) -> None:
    """"An explicit deny in any of these policies overrides the allow."

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    requests, policies = batch
    more = with_statement(policies, *addition)
    for request in requests:
        if not evaluate(request, policies).allowed:
            assert not evaluate(request, more).allowed, request


@PROPERTY
@given(batches(), added_statement("Allow"))
def test_adding_an_allow_never_lifts_an_explicit_deny(batch: Batch, addition: tuple[dict[str, Any], str]) -> None:
    """"An explicit deny in any policy overrides any allows" (an Allow can only turn an implicit deny).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    """
    requests, policies = batch
    more = with_statement(policies, *addition)
    for request in requests:
        if evaluate(request, policies).outcome is Outcome.EXPLICIT_DENY:
            assert evaluate(request, more).outcome is Outcome.EXPLICIT_DENY, request


@PROPERTY
@given(batches(), documents())
def test_a_permissions_boundary_never_widens(batch: Batch, boundary: dict[str, Any]) -> None:
    """"A permissions boundary ... does not grant permissions on its own": with one, nothing new is allowed.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    """
    requests, policies = batch
    without = replace(policies, boundary=None)
    bounded = replace(policies, boundary=parse_policy(boundary, policy_id="boundary"))
    for request in requests:
        if not evaluate(request, without).allowed:
            assert not evaluate(request, bounded).allowed, request


def shuffled(policies: PolicySet, data: st.DataObject) -> tuple[PolicySet, dict[str, list[int]]]:
    """``policies`` with every document's statements and every list of policies permuted.

    Returns the new set and, per policy id, the original index of each new statement position.
    """
    origin: dict[str, list[int]] = {}

    def shuffle_one(policy: Policy) -> Policy:
        body = statement_list(policy)
        order = data.draw(st.permutations(range(len(body))))
        origin[policy.policy_id] = list(order)
        return reparse(policy, [body[i] for i in order])

    def shuffle_list(group: Any) -> list[Policy]:
        return [shuffle_one(p) for p in data.draw(st.permutations(list(group)))]

    def shuffle_levels(levels: Any) -> Any:
        return None if levels is None else [shuffle_list(level) for level in data.draw(st.permutations(list(levels)))]

    return PolicySet(
        identity=shuffle_list(policies.identity),
        boundary=None if policies.boundary is None else shuffle_one(policies.boundary),
        session=None if policies.session is None else shuffle_list(policies.session),
        scps=shuffle_levels(policies.scps), rcps=shuffle_levels(policies.rcps),
        resource=None if policies.resource is None else shuffle_one(policies.resource),
    ), origin


def reason_set(decision: Decision, origin: dict[str, list[int]] | None = None) -> set[tuple[Any, ...]]:
    def index(policy_id: str, i: int) -> int:
        return origin[policy_id][i] if origin else i

    return {(r.policy_id, r.policy_type, index(r.policy_id, r.statement_index)) for r in decision.reasons}


@PROPERTY
@given(batches(), st.data())
def test_statement_and_policy_order_never_matter(batch: Batch, data: st.DataObject) -> None:
    """"The order in which the policies are evaluated has no effect on the outcome of the evaluation."

    Statements within a policy are likewise unordered; the set of deciding statements stays the same.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    requests, policies = batch
    other, origin = shuffled(policies, data)
    for request in requests:
        before, after = evaluate(request, policies), evaluate(request, other)
        assert (after.outcome, after.denied_by) == (before.outcome, before.denied_by), request
        assert reason_set(after, origin) == reason_set(before), request


# ---------------------------------------------------------------- parse_document never crashes

GRAMMAR_WORDS = ("Version", "Id", "Statement", "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                 "Resource", "NotResource", "Condition", "AWS", "Service", "Federated", "StringEquals",
                 "ForAnyValue:StringLike", "NullIfExists", "aws:username", "Allow", "Deny", "2012-10-17", "*")
scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
           | st.sampled_from(GRAMMAR_WORDS))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=6) | st.sampled_from(GRAMMAR_WORDS), inner, max_size=4),
                           max_leaves=25)
kinds = st.sampled_from(list(PolicyKind))


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a JSON value, as a tuple of keys and indexes."""
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += paths(inner, (*prefix, i))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """A valid document with one place replaced by random JSON, deleted, or wrapped in a list."""
    doc = draw(documents(draw(kinds)))
    path = draw(st.sampled_from(paths(doc)))
    if not path:
        return draw(json_values)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    how = draw(st.sampled_from(("replace", "delete", "wrap", "empty")))
    if how == "delete":
        del parent[path[-1]]
    elif how == "wrap":
        parent[path[-1]] = [parent[path[-1]]]
    else:
        parent[path[-1]] = draw(json_values) if how == "replace" else type(parent[path[-1]])()
    return doc


def parses_or_refuses(document: Any, kind: PolicyKind) -> None:
    try:
        result = parse_document(document, kind)
    except MalformedPolicyDocument:
        return
    assert isinstance(result, Document)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(json_values | mutated_documents(), kinds, st.booleans())
def test_parse_document_returns_a_document_or_refuses(document: Any, kind: PolicyKind, as_text: bool) -> None:
    """Any JSON, or a valid document with one part broken, is parsed or refused with IAM's error, never crashes.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    if as_text or not isinstance(document, dict):
        document = json.dumps(document)
    parses_or_refuses(document, kind)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.text(max_size=40) | st.binary(max_size=40), kinds)
def test_parse_document_refuses_any_text(document: str | bytes, kind: PolicyKind) -> None:
    """Arbitrary text or bytes (invalid JSON, wrong encodings) is refused as "invalid Json", never crashes.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    parses_or_refuses(document, kind)
