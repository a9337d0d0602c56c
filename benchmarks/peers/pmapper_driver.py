"""Peer driver: principalmapper's local policy simulation.

Runs under ``.bench-venv`` (benchmarks/requirements-peers.txt), never under Lamina's own venv.
A request is decided by ``principalmapper.querying.query_interface.local_check_authorization_full``
(identity policies, permissions boundary, session policy, resource policy with its owner), which
is principalmapper's own combination of the statement tests in
``principalmapper.querying.local_policy_simulation``. Only that call is timed. It answers
allowed or not; for a denial the driver then asks ``local_policy_simulation`` (untimed) whether
any Deny statement matched, to tell an explicit deny from an implicit one.

principalmapper 1.1.5 imports ``Mapping``/``MutableMapping`` from ``collections`` (in its own
``util/case_insensitive_dict.py``), which Python 3.10 removed; no pin of its dependencies changes
that. The driver aliases the two ``collections.abc`` classes before importing it.

    .bench-venv/bin/python benchmarks/peers/pmapper_driver.py EXPANDED.json [SPEC_JSON]
"""

from __future__ import annotations

import collections
import collections.abc
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

for _name in ("Mapping", "MutableMapping"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from principalmapper.common import Node, Policy  # noqa: E402
from principalmapper.querying import local_policy_simulation as lps  # noqa: E402
from principalmapper.querying.query_interface import local_check_authorization_full  # noqa: E402
from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict  # noqa: E402

from harness import Built, Case, Json, NotExpressible, principal_kind, run_driver  # noqa: E402

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _node(arn: str, scenario: Json) -> Node:
    account = arn.split(":")[4]
    policies = [
        Policy(f"arn:aws:iam::{account}:policy/{named['name']}", named["name"], named["policy"])
        for named in scenario["identity_policies"]
    ]
    boundary = scenario.get("boundary")
    is_role = ":role/" in arn
    return Node(
        arn, "AIDAPEERBENCH", policies, [], TRUST if is_role else None, None, 0, False, False,
        Policy(f"arn:aws:iam::{account}:policy/boundary", "boundary", boundary) if boundary else None,
        False, {},
    )


def _explicitly_denied(node: Node, request: Json, session: Json | None, context: dict[str, Any]) -> bool:
    keys = CaseInsensitiveDict(context)
    action, resource = request["action"], request["resource"]
    documents = [policy.policy_doc for policy in node.attached_policies]
    if node.permissions_boundary is not None:
        documents.append(node.permissions_boundary.policy_doc)
    if session is not None:
        documents.append(session)
    if any(lps.policy_has_matching_statement(doc, "Deny", action, resource, keys) for doc in documents):
        return True
    resource_policy = request.get("resource_policy")
    if resource_policy is None:
        return False
    matching = lps.resource_policy_matching_statements(node, resource_policy, action, resource, keys)
    return any(statement["Effect"] == "Deny" for statement in matching)


def _case(node: Node, request: Json, session: Json | None) -> Case:
    context = dict(request["context"])
    resource_policy = request.get("resource_policy")
    owner = request["resource_account"] if resource_policy is not None else None
    args = (node, request["action"], request["resource"], context, resource_policy, owner, None, session)

    def decide() -> bool:
        return local_check_authorization_full(*args)

    def outcome() -> str:
        if decide():
            return "Allow"
        return "ExplicitDeny" if _explicitly_denied(node, request, session, context) else "ImplicitDeny"

    return Case(request["id"], decide, outcome)


def build(scenario: Json) -> Built | NotExpressible:
    requests = scenario["requests"]
    kinds = {principal_kind(request["principal"]) for request in requests}
    if not kinds <= {"user", "session"}:
        return NotExpressible(f"principalmapper decides for IAM users and roles only, not {sorted(kinds)}")
    nodes: dict[str, Node] = {}
    cases = []
    for request in requests:
        arn = request.get("role_arn") or request["principal"]
        node = nodes.setdefault(arn, _node(arn, scenario))
        cases.append(_case(node, request, scenario.get("session_policy")))
    return Built(cases)


if __name__ == "__main__":
    run_driver(
        "principalmapper", version("principalmapper"),
        "query_interface.local_check_authorization_full (allowed or not)", build,
    )
