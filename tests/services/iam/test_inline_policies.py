"""Put/Get/List/Delete User/Group/RolePolicy in-process."""

from __future__ import annotations

import json

import pytest
from role_policy_support import ACCT, ALLOW_ALL, TRUST, call, declared, decoded, fails, new_store

from lamina.store import Store
from lamina.store.repositories import groups, users

KINDS = [("User", "UserName", "alice"), ("Group", "GroupName", "devs"), ("Role", "RoleName", "exec")]
LIMITS = {"User": 2048, "Group": 5120, "Role": 10240}


def _store() -> Store:
    store = new_store()
    with store.transaction() as conn:
        users.create_user(conn, ACCT, "alice")
        groups.create_group(conn, ACCT, "devs")
    call(store, "CreateRole", RoleName="exec", AssumeRolePolicyDocument=TRUST)
    return store


@pytest.mark.parametrize(("noun", "param", "name"), KINDS)
def test_put_get_list_delete(noun: str, param: str, name: str) -> None:
    store = _store()
    who = {param: name}
    assert call(store, f"Put{noun}Policy", PolicyName="b", PolicyDocument=ALLOW_ALL, **who) == {}
    call(store, f"Put{noun}Policy", PolicyName="a", PolicyDocument=ALLOW_ALL, **who)
    got = call(store, f"Get{noun}Policy", PolicyName="b", **who)
    assert got[param] == name and got["PolicyName"] == "b"
    assert got["PolicyDocument"].startswith("%7B") and decoded(got["PolicyDocument"]) == json.loads(ALLOW_ALL)
    first = call(store, f"List{noun}Policies", MaxItems=1, **who)
    assert first["PolicyNames"] == ["a"] and first["IsTruncated"]
    assert call(store, f"List{noun}Policies", Marker=first["Marker"], **who)["PolicyNames"] == ["b"]
    call(store, f"Delete{noun}Policy", PolicyName="b", **who)
    message = f"The {noun.lower()} policy with name b cannot be found."
    fails(store, f"Get{noun}Policy", "NoSuchEntity", message, PolicyName="b", **who)
    fails(store, f"Delete{noun}Policy", "NoSuchEntity", message, PolicyName="b", **who)
    fails(store, f"Put{noun}Policy", "NoSuchEntity", f"The {noun.lower()} with name ghost cannot be found.",
          PolicyName="b", PolicyDocument=ALLOW_ALL, **{param: "ghost"})


@pytest.mark.parametrize(("noun", "param", "name"), KINDS)
def test_documents_are_checked(noun: str, param: str, name: str) -> None:
    store = _store()
    who = {param: name}
    fails(store, f"Put{noun}Policy", "MalformedPolicyDocument", "This policy contains invalid Json",
          PolicyName="p", PolicyDocument="{", **who)
    half = LIMITS[noun] // 2
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + "x" * (half - 100)}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    call(store, f"Put{noun}Policy", PolicyName="one", PolicyDocument=document, **who)
    call(store, f"Put{noun}Policy", PolicyName="one", PolicyDocument=document, **who)  # a replacement fits
    too_big = document.replace("x", "z" * 3, 1).replace("x" * 10, "z" * 20)
    fails(store, f"Put{noun}Policy", "LimitExceeded", PolicyName="alone", PolicyDocument=too_big, **who)
    fails(store, f"Put{noun}Policy", "LimitExceeded",
          f"Maximum policy size of {LIMITS[noun]} bytes exceeded for {noun.lower()} {name}",
          PolicyName="two", PolicyDocument=document.replace("x" * 90, "y" * 190, 1), **who)


def test_inline_declarations() -> None:
    store = _store()
    actions, resources, label, keys = declared(store, "PutRolePolicy", RoleName="exec", PolicyName="p",
                                               PolicyDocument=ALLOW_ALL)
    assert actions == ("iam:PutRolePolicy",) and resources == [f"arn:aws:iam::{ACCT}:role/exec"]
    assert label == "role exec" and keys == {}
    assert declared(store, "GetUserPolicy", UserName="alice", PolicyName="p")[1] == [f"arn:aws:iam::{ACCT}:user/alice"]
    assert declared(store, "ListGroupPolicies", GroupName="devs")[0] == ("iam:ListGroupPolicies",)


def test_documents_round_trip_percent_signs_as_aws_encodes_them() -> None:
    """AWS encodes ``%`` too, so a document holding ``arn%3Aaws`` comes back unchanged after one decode."""
    store = _store()
    document = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "apigateway:PUT",
                          "Resource": "arn:aws:apigateway:us-east-1::/tags/arn%3Aaws%3Aapigateway%2Frestapis%2Fx"}]})
    call(store, "PutRolePolicy", RoleName="exec", PolicyName="enc", PolicyDocument=document)
    got = call(store, "GetRolePolicy", RoleName="exec", PolicyName="enc")["PolicyDocument"]
    assert "%253A" in got and decoded(got) == json.loads(document)
