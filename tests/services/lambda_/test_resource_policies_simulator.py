"""The IAM policy simulator and function policies.

AWS documents that SimulatePrincipalPolicy and SimulateCustomPolicy do not fetch the policies of the
resources they are asked about: "The simulation does not automatically retrieve policies for the
specified resources. If you want to include a resource policy in the simulation, then you must
include the policy as a string in the ResourcePolicy parameter" (API_SimulatePrincipalPolicy.html,
ResourceArns). Lamina answers the same; a function's policy, as GetPolicy shows it, is passed as
``ResourcePolicy``. Service principals (which the API cannot name as CallerArn) are decided by
the simulator's worker function with the same engine.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_permissions_support import ACCT, FN_ARN, ROOT, ctx, new_store

from lamina.context import RequestContext
from lamina.services.iam import simulator
from lamina.services.lambda_.permissions import add_permission, get_policy
from lamina.store import Store
from lamina.store.repositories import users

ALICE = f"arn:aws:iam::{ACCT}:user/alice"


@pytest.fixture
def store() -> Store:
    store = new_store()
    with store.transaction() as conn:
        users.create_user(conn, ACCT, "alice")
    add_permission(ctx("AddPermission", FunctionName="fn", StatementId="alice", Action="lambda:GetFunction",
                       Principal=ALICE), store)
    add_permission(ctx("AddPermission", FunctionName="fn", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::uploads", SourceAccount=ACCT), store)
    return store


def iam_ctx(operation: str, **params: Any) -> RequestContext:
    return RequestContext("r", "POST", "/", "", [], b"", caller=ROOT, region="us-east-1", service="iam",
                          operation=operation, params=params)


def decisions(answer: dict[str, Any]) -> list[str]:
    return [result["EvalDecision"] for result in answer["EvaluationResults"]]


def principal_simulation(store: Store, **params: Any) -> dict[str, Any]:
    request = iam_ctx("SimulatePrincipalPolicy", PolicySourceArn=ALICE, ActionNames=["lambda:GetFunction"],
                      ResourceArns=[FN_ARN], **params)
    return dict(simulator.simulate_principal_policy(request, store).run_inline() or {})


def test_the_functions_policy_is_not_fetched(store: Store) -> None:
    assert decisions(principal_simulation(store)) == ["implicitDeny"]


def test_the_functions_policy_given_as_resource_policy_decides(store: Store) -> None:
    document = get_policy(ctx("GetPolicy", FunctionName="fn"), store)["Policy"]
    answer = principal_simulation(store, ResourcePolicy=document)
    assert decisions(answer) == ["allowed"]
    matched = answer["EvaluationResults"][0]["MatchedStatements"]
    assert [m["SourcePolicyId"] for m in matched] == ["ResourcePolicy"]


def test_a_deny_in_the_given_policy_wins_over_an_identity_allow(store: Store) -> None:
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "lambda:*",
                                                   "Resource": FN_ARN}]}
    allow_all = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                                    "Resource": "*"}]})
    answer = principal_simulation(store, PolicyInputList=[allow_all], ResourcePolicy=json.dumps(deny))
    assert decisions(answer) == ["explicitDeny"]


def service_simulation(document: str, context: dict[str, str], service: str = "s3.amazonaws.com") -> list[str]:
    job = simulator.Simulation(
        identity=(), boundary=None, resource_policy=document,
        principal=simulator.PrincipalFacts(service, "Service", None), actions=("lambda:InvokeFunction",),
        resources=(FN_ARN,), context=context, resource_owner=None, start=0, size=10)
    return decisions(simulator.simulate(job, 5.0))


def test_service_principals_with_source_arn_and_account(store: Store) -> None:
    document = get_policy(ctx("GetPolicy", FunctionName="fn"), store)["Policy"]
    source = {"aws:SourceArn": "arn:aws:s3:::uploads", "aws:SourceAccount": ACCT}
    assert service_simulation(document, source) == ["allowed"]
    assert service_simulation(document, {**source, "aws:SourceArn": "arn:aws:s3:::other"}) == ["implicitDeny"]
    assert service_simulation(document, {**source, "aws:SourceAccount": "210987654321"}) == ["implicitDeny"]
    assert service_simulation(document, {}) == ["implicitDeny"]
    assert service_simulation(document, source, "sns.amazonaws.com") == ["implicitDeny"]
