"""Service-linked roles in-process: the data table, the declarations the gate reads (iam:AWSServiceName,
the ARN the role will have), and the answers for what the recordings do not cover."""

from __future__ import annotations

from role_policy_support import ACCT, TRUST, call, declared, fails, new_store

from lamina import managed_policies
from lamina.services.iam.service_linked_roles import service_table

UNPUBLISHED = {"arn:aws:iam::aws:policy/aws-service-role/AmazonLexBotPolicy"}


def test_every_listed_policy_is_known_but_the_one_aws_does_not_publish() -> None:
    table = service_table()
    assert len(table) == 81
    missing = {arn for entry in table.values() for arn in entry["Policies"] if managed_policies.get(arn) is None}
    assert missing == UNPUBLISHED
    for entry in table.values():
        assert entry["RoleName"].startswith("AWSServiceRoleFor")
        for arn in set(entry["Policies"]) - UNPUBLISHED:
            found = managed_policies.get(arn)
            assert found is not None and arn == f"{managed_policies.AWS_POLICY_PREFIX}{found.path[1:]}{found.name}"


def test_declarations() -> None:
    store = new_store()
    actions, resources, label, keys = declared(store, "CreateServiceLinkedRole", AWSServiceName="ecs.amazonaws.com")
    assert actions == ("iam:CreateServiceLinkedRole",) and label == "role AWSServiceRoleForECS"
    assert resources == [f"arn:aws:iam::{ACCT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"]
    assert keys == {"iam:AWSServiceName": "ecs.amazonaws.com"}
    _, resources, _, _ = declared(store, "CreateServiceLinkedRole", AWSServiceName="autoscaling.amazonaws.com",
                                  CustomSuffix="x")
    assert resources[0].endswith("/AWSServiceRoleForAutoScaling_x")
    call(store, "CreateServiceLinkedRole", AWSServiceName="batch.amazonaws.com")
    _, resources, label, _ = declared(store, "DeleteServiceLinkedRole", RoleName="AWSServiceRoleForBatch")
    arn = f"arn:aws:iam::{ACCT}:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch"
    assert resources == [arn] and label == "role AWSServiceRoleForBatch"
    task = call(store, "DeleteServiceLinkedRole", RoleName="AWSServiceRoleForBatch")["DeletionTaskId"]
    _, resources, _, _ = declared(store, "GetServiceLinkedRoleDeletionStatus", DeletionTaskId=task)
    assert resources == [arn]


def test_refusals() -> None:
    store = new_store()
    fails(store, "CreateServiceLinkedRole", "InvalidInput", "Unrecognized service principal name: x.example.com",
          AWSServiceName="x.example.com")
    fails(store, "CreateServiceLinkedRole", "ValidationError", AWSServiceName="autoscaling.amazonaws.com",
          CustomSuffix="s" * 40)
    fails(store, "GetServiceLinkedRoleDeletionStatus", "InvalidInput", DeletionTaskId="nope")
    fails(store, "GetServiceLinkedRoleDeletionStatus", "NoSuchEntity", DeletionTaskId="task/aws-service-role/a/b/c")
    fails(store, "DeleteServiceLinkedRole", "NoSuchEntity", "The role with name Nobody cannot be found.",
          RoleName="Nobody")
    role = call(store, "CreateServiceLinkedRole", AWSServiceName="rds.amazonaws.com", Description="mine")["Role"]
    assert role["Description"] == "mine"
    call(store, "UpdateRoleDescription", RoleName=role["RoleName"], Description="edited")  # AWS allows this one
    assert call(store, "GetRole", RoleName=role["RoleName"])["Role"]["Description"] == "edited"


def test_service_role_policies_attach_to_nothing_else() -> None:
    store = new_store()
    call(store, "CreateRole", RoleName="mine", AssumeRolePolicyDocument=TRUST)
    call(store, "CreateUser", UserName="me")
    arn = "arn:aws:iam::aws:policy/aws-service-role/AWSLambdaReplicator"
    fails(store, "AttachRolePolicy", "PolicyNotAttachable", "Cannot attach a Service Role Policy to a Customer Role.",
          RoleName="mine", PolicyArn=arn)
    fails(store, "AttachUserPolicy", "PolicyNotAttachable", UserName="me", PolicyArn=arn)
    call(store, "AttachRolePolicy", RoleName="mine", PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaRole")
