"""The store beside a plain-dict model: users, groups, membership, access keys, policy versions, and the
unique-id binding of sessions and trust policies across deleting and re-creating users.

Each rule runs in its own transaction, so a failing rule also exercises rollback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from lamina.store import AlreadyExists, DeleteConflict, LimitExceeded, NotFound, StoreError, open_store
from lamina.store.repositories import access_keys, accounts, groups, named_principals, policies, roles, sessions, users

ACCOUNT = "123456789012"
USER_NAMES = st.sampled_from(["ann", "Ann", "ANN", "bob", "Bob", "cy"])
GROUP_NAMES = st.sampled_from(["dev", "DEV", "ops"])
POLICY_NAMES = st.sampled_from(["p", "P", "q"])
T = TypeVar("T")


def arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/{name}"


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


@dataclass
class PolicyModel:
    name: str
    versions: dict[int, str] = field(default_factory=dict)
    default: int = 1
    next_number: int = 2


class StoreModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = open_store("sqlite://")
        with self.store.transaction() as conn:
            accounts.create_account(conn, ACCOUNT)
            self.role_id = roles.create_role(conn, ACCOUNT, "trusting", "{}").role_id
        self.users: dict[str, str] = {}  # lower name -> name as created
        self.user_ids: dict[str, str] = {}  # lower name -> unique id of the user of that name now
        self.trusted: dict[str, str] = {}  # ARN as written in the trust policy -> the unique id it was bound to
        self.sessions: dict[str, str] = {}  # session key -> unique id of the user it acts for
        self.groups: dict[str, str] = {}
        self.members: set[tuple[str, str]] = set()  # (group lower, user lower)
        self.keys: dict[str, list[str]] = {}  # user lower -> key ids
        self.policies: dict[str, PolicyModel] = {}  # lower name -> model

    def teardown(self) -> None:
        self.store.close()

    def run(self, action: Callable[..., T], *args: Any, **kwargs: Any) -> T | StoreError:
        """Run one repository call in its own transaction; a store error is returned, not raised."""
        try:
            with self.store.transaction() as conn:
                return action(conn, *args, **kwargs)
        except StoreError as error:
            return error

    @rule(name=USER_NAMES)
    def create_user(self, name: str) -> None:
        result = self.run(users.create_user, ACCOUNT, name)
        if name.lower() in self.users:
            assert isinstance(result, AlreadyExists)
        else:
            assert isinstance(result, users.UserRow)
            self.users[name.lower()] = name
            self.user_ids[name.lower()] = result.user_id
            self.keys[name.lower()] = []

    @rule(name=USER_NAMES)
    def delete_user(self, name: str) -> None:
        result = self.run(users.delete_user, ACCOUNT, name)
        key = name.lower()
        if key not in self.users:
            assert isinstance(result, NotFound)
        elif self.keys[key]:
            assert isinstance(result, DeleteConflict) and result.blocker == "access_keys"
        elif any(user == key for _, user in self.members):
            assert isinstance(result, DeleteConflict) and result.blocker == "groups"
        else:
            assert result is None
            del self.users[key], self.keys[key], self.user_ids[key]

    @rule(name=GROUP_NAMES)
    def create_group(self, name: str) -> None:
        result = self.run(groups.create_group, ACCOUNT, name)
        if name.lower() in self.groups:
            assert isinstance(result, AlreadyExists)
        else:
            assert not isinstance(result, StoreError)
            self.groups[name.lower()] = name

    @rule(name=GROUP_NAMES)
    def delete_group(self, name: str) -> None:
        result = self.run(groups.delete_group, ACCOUNT, name)
        key = name.lower()
        if key not in self.groups:
            assert isinstance(result, NotFound)
        elif any(group == key for group, _ in self.members):
            assert isinstance(result, DeleteConflict) and result.blocker == "members"
        else:
            assert result is None
            del self.groups[key]

    @rule(group=GROUP_NAMES, user=USER_NAMES, add=st.booleans())
    def change_membership(self, group: str, user: str, add: bool) -> None:
        action = groups.add_user_to_group if add else groups.remove_user_from_group
        result = self.run(action, ACCOUNT, group, user)
        pair = (group.lower(), user.lower())
        if pair[0] not in self.groups or pair[1] not in self.users or (not add and pair not in self.members):
            assert isinstance(result, NotFound)
        else:
            assert result is None
            (self.members.add if add else self.members.discard)(pair)

    @rule(user=USER_NAMES)
    def create_key(self, user: str) -> None:
        result = self.run(access_keys.create_access_key, self.store.secret_box, ACCOUNT, user)
        key = user.lower()
        if key not in self.users:
            assert isinstance(result, NotFound)
        elif len(self.keys[key]) == 2:
            assert isinstance(result, LimitExceeded)
        else:
            assert isinstance(result, access_keys.KeyWithSecret)
            self.keys[key].append(result.key.access_key_id)

    @rule(user=USER_NAMES, index=st.integers(0, 1))
    def delete_key(self, user: str, index: int) -> None:
        owned = self.keys.get(user.lower(), [])
        if index < len(owned):
            assert self.run(access_keys.delete_access_key, ACCOUNT, user, owned[index]) is None
            owned.pop(index)

    @rule(name=POLICY_NAMES)
    def create_policy(self, name: str) -> None:
        result = self.run(policies.create_policy, ACCOUNT, name, "doc1")
        if name.lower() in self.policies:
            assert isinstance(result, AlreadyExists)
        else:
            assert not isinstance(result, StoreError)
            self.policies[name.lower()] = PolicyModel(name, {1: "doc1"})

    def _policy(self, name: str) -> PolicyModel | None:
        return self.policies.get(name.lower())

    @rule(name=POLICY_NAMES, make_default=st.booleans())
    def create_version(self, name: str, make_default: bool) -> None:
        model = self._policy(name)
        target = arn(model.name if model else name)
        result = self.run(policies.create_policy_version, target, "docN", set_as_default=make_default)
        if model is None:
            assert isinstance(result, NotFound)
        elif len(model.versions) == 5:
            assert isinstance(result, LimitExceeded)
        else:
            assert not isinstance(result, StoreError)
            model.versions[model.next_number] = "docN"
            model.default = model.next_number if make_default else model.default
            model.next_number += 1

    @rule(name=POLICY_NAMES, number=st.integers(1, 7), delete=st.booleans())
    def touch_version(self, name: str, number: int, delete: bool) -> None:
        model = self._policy(name)
        if model is None:
            return
        action = policies.delete_policy_version if delete else policies.set_default_policy_version
        result = self.run(action, arn(model.name), f"v{number}")
        if number not in model.versions:
            assert isinstance(result, NotFound)
        elif delete and number == model.default:
            assert isinstance(result, DeleteConflict)
        else:
            assert result is None
            if delete:
                del model.versions[number]
            else:
                model.default = number

    @rule(name=POLICY_NAMES)
    def delete_policy(self, name: str) -> None:
        model = self._policy(name)
        if model is None:
            return
        result = self.run(policies.delete_policy, arn(model.name))
        if len(model.versions) > 1:
            assert isinstance(result, DeleteConflict) and result.blocker == "versions"
        else:
            assert result is None
            del self.policies[name.lower()]

    @rule(names=st.lists(USER_NAMES, max_size=3))
    def trust_users(self, names: list[str]) -> None:
        """The trust policy names users (those that exist now get bound; AWS's refusal is the IAM layer's)."""
        document = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": [user_arn(n) for n in names]}, "Action": "sts:AssumeRole"}]})
        assert self.run(roles.update_assume_role_policy, ACCOUNT, "trusting", document) is not None
        self.trusted = {user_arn(n): self.user_ids[n.lower()] for n in names if n.lower() in self.user_ids}

    @rule(name=USER_NAMES)
    def open_session(self, name: str) -> None:
        if name.lower() not in self.user_ids:
            return
        unique_id = self.user_ids[name.lower()]
        spec = sessions.SessionSpec(account_id=ACCOUNT, kind="session-token", principal_arn=user_arn(name),
                                    principal_id=unique_id, source_arn=user_arn(name), source_id=unique_id,
                                    expires_at=datetime.now(UTC) + timedelta(hours=1))
        issued = self.run(sessions.create_session, self.store.secret_box, spec)
        assert isinstance(issued, sessions.IssuedCredentials)
        self.sessions[issued.session.access_key_id] = unique_id

    @invariant()
    def bindings_follow_unique_ids(self) -> None:
        alive = {unique_id: self.users[lower] for lower, unique_id in self.user_ids.items()}
        expected = {}
        for written, unique_id in self.trusted.items():
            now = user_arn(alive[unique_id]) if unique_id in alive else unique_id
            if now != written:
                expected[written] = now
        with self.store.transaction(read_only=True) as conn:
            assert named_principals.replacements(conn, named_principals.OWNER_ROLE_TRUST, self.role_id) == expected
            for key, unique_id in self.sessions.items():
                spec = sessions.get_session(conn, key).spec
                assert sessions.source_exists(conn, spec) == (unique_id in alive)

    @invariant()
    def store_matches_model(self) -> None:
        with self.store.transaction(read_only=True) as conn:
            listed = users.list_users(conn, ACCOUNT, max_items=2)
            names = [u.name for u in listed.items]
            while listed.marker:
                listed = users.list_users(conn, ACCOUNT, marker=listed.marker, max_items=2)
                names += [u.name for u in listed.items]
            assert names == [self.users[k] for k in sorted(self.users)]
            assert [g.name for g in groups.list_groups(conn, ACCOUNT).items] == [
                self.groups[k] for k in sorted(self.groups)
            ]
            for group in self.groups:
                members = [u.name.lower() for u in groups.list_group_members(conn, ACCOUNT, group).items]
                assert members == sorted(u for g, u in self.members if g == group)
            for user, keys in self.keys.items():
                assert sorted(k.access_key_id for k in access_keys.list_access_keys(conn, ACCOUNT, user)) == sorted(
                    keys
                )
            assert [p.name for p in policies.list_policies(conn, ACCOUNT).items] == [
                self.policies[k].name for k in sorted(self.policies)
            ]
            for model in self.policies.values():
                versions = policies.list_policy_versions(conn, arn(model.name))
                assert [v.version_id for v in versions] == [f"v{n}" for n in sorted(model.versions, reverse=True)]
                assert [v.version_id for v in versions if v.is_default] == [f"v{model.default}"]


StoreModel.TestCase.settings = settings(
    max_examples=30, stateful_step_count=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestStoreModel = StoreModel.TestCase
