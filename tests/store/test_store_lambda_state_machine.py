"""The Lambda repositories beside a plain-dict model: functions, $LATEST updates under revisions,
publishing (numbers never reused, no-change publish), version deletion guarded by aliases, aliases
with routing, resource-policy statements, cascades, and code pruning.

Each rule runs in its own transaction, so a failing rule also exercises rollback.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from lamina.store import AlreadyExists, DeleteConflict, NotFound, PreconditionFailed, StoreError, open_store
from lamina.store.repositories import (
    LATEST,
    accounts,
    lambda_aliases,
    lambda_code,
    lambda_functions,
    lambda_policies,
    lambda_versions,
)

ACCOUNT, REGION = "123456789012", "us-east-1"
NAMES = st.sampled_from(["f", "F", "g"])  # case-sensitive: three functions
CODES = st.sampled_from([b"one", b"two", b"three"])
ALIASES = st.sampled_from(["live", "beta"])
TARGETS = st.sampled_from([LATEST, "1", "2", "3", "4"])
QUALIFIERS = st.sampled_from(["", "1", "2", "live"])
SIDS = st.sampled_from(["a", "b"])
T = TypeVar("T")


def number(label: str) -> int:
    return 0 if label == LATEST else int(label)


@dataclass
class Fn:
    latest: tuple[int, bytes]  # (Timeout, code): what a publish copies
    versions: dict[int, tuple[int, bytes]] = field(default_factory=dict)  # published: the $LATEST copied
    next_number: int = 1
    aliases: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # target, routing version
    policies: dict[str, list[str]] = field(default_factory=dict)  # qualifier -> Sids in order

    def exists(self, qualifier: str) -> bool:
        if not qualifier or qualifier == LATEST:
            return True
        return int(qualifier) in self.versions if qualifier.isdigit() else qualifier in self.aliases

    def codes(self) -> set[bytes]:
        return {self.latest[1], *(code for _, code in self.versions.values())}


class LambdaModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = open_store("sqlite://")
        with self.store.transaction() as conn:
            accounts.create_account(conn, ACCOUNT)
        self.fns: dict[str, Fn] = {}
        self.stored: set[bytes] = set()  # code blobs in the store

    def teardown(self) -> None:
        self.store.close()

    def run(self, action: Callable[..., T], *args: Any, **kwargs: Any) -> T | StoreError:
        try:
            with self.store.transaction() as conn:
                return action(conn, *args, **kwargs)
        except StoreError as error:
            return error

    @staticmethod
    def put(conn: Any, code: bytes) -> str:
        """Store code in the rule's transaction (rolled back with it when the rule fails)."""
        return lambda_code.put_code(conn, code).sha256

    @rule(name=NAMES, code=CODES)
    def create_function(self, name: str, code: bytes) -> None:
        result = self.run(lambda conn: lambda_functions.create_function(
            conn, ACCOUNT, REGION, name, {"Timeout": 3}, self.put(conn, code)))
        if name in self.fns:
            assert isinstance(result, AlreadyExists)
        else:
            assert not isinstance(result, StoreError) and result.version == LATEST
            self.fns[name] = Fn((3, code))
            self.stored.add(code)

    @rule(name=NAMES)
    def delete_function(self, name: str) -> None:
        result = self.run(lambda_functions.delete_function, ACCOUNT, REGION, name)
        assert isinstance(result, NotFound) if name not in self.fns else result is None
        self.fns.pop(name, None)

    @rule(name=NAMES, timeout=st.integers(1, 3), code=CODES, stale=st.booleans())
    def update(self, name: str, timeout: int, code: bytes, stale: bool) -> None:
        current = self.run(lambda_functions.get_version, ACCOUNT, REGION, name)
        expected = "stale" if stale or isinstance(current, StoreError) else current.revision_id
        result = self.run(lambda conn: lambda_functions.update_function(
            conn, ACCOUNT, REGION, name, config={"Timeout": timeout}, code_sha256=self.put(conn, code),
            expected_revision_id=expected))
        if name not in self.fns:
            assert isinstance(result, NotFound)
        elif stale:
            assert isinstance(result, PreconditionFailed) and result.condition == "revision_id"
        else:
            assert not isinstance(result, StoreError) and result.config == {"Timeout": timeout}
            self.fns[name].latest = (timeout, code)
            self.stored.add(code)

    @rule(name=NAMES)
    def publish(self, name: str) -> None:
        result = self.run(lambda_versions.publish_version, ACCOUNT, REGION, name)
        model = self.fns.get(name)
        if model is None:
            assert isinstance(result, NotFound)
            return
        assert not isinstance(result, StoreError)
        last = max(model.versions, default=None)
        if last is not None and model.versions[last] == model.latest:
            assert result.version == str(last)
        else:
            assert result.version == str(model.next_number)
            model.versions[model.next_number] = model.latest
            model.next_number += 1

    @rule(name=NAMES, version=st.integers(1, 4))
    def delete_version(self, name: str, version: int) -> None:
        result = self.run(lambda_versions.delete_version, ACCOUNT, REGION, name, version)
        model = self.fns.get(name)
        if model is None or version not in model.versions:
            assert isinstance(result, NotFound)
            return
        holders = tuple(sorted(a for a, (target, extra) in model.aliases.items() if version in (target, extra)))
        if holders:
            assert isinstance(result, DeleteConflict) and result.dependents == holders
        else:
            assert result is None
            del model.versions[version]
            model.policies.pop(str(version), None)

    @rule(name=NAMES, alias=ALIASES, points_at=TARGETS, extra=st.none() | st.integers(1, 4))
    def create_alias(self, name: str, alias: str, points_at: str, extra: int | None) -> None:
        routing = None if extra is None else {str(extra): 0.5}
        result = self.run(lambda_aliases.create_alias, ACCOUNT, REGION, name, alias, points_at, routing=routing)
        model = self.fns.get(name)
        if model is None:
            assert isinstance(result, NotFound) and result.kind == "function"
        elif alias in model.aliases:
            assert isinstance(result, AlreadyExists)
        elif not model.exists(points_at) or (extra is not None and extra not in model.versions):
            assert isinstance(result, NotFound) and result.kind == "function version"
        else:
            assert not isinstance(result, StoreError) and result.function_version == points_at
            model.aliases[alias] = (number(points_at), extra)

    @rule(name=NAMES, alias=ALIASES)
    def delete_alias(self, name: str, alias: str) -> None:
        result = self.run(lambda_aliases.delete_alias, ACCOUNT, REGION, name, alias)
        model = self.fns.get(name)
        if model is None:
            assert isinstance(result, NotFound)
        else:
            assert result is (alias in model.aliases)
            model.aliases.pop(alias, None)
            model.policies.pop(alias, None)

    @rule(name=NAMES, qualifier=QUALIFIERS, sid=SIDS)
    def add_statement(self, name: str, qualifier: str, sid: str) -> None:
        statement = {"Sid": sid, "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}}
        result = self.run(lambda_policies.add_statement, ACCOUNT, REGION, name, qualifier, statement)
        model = self.fns.get(name)
        if model is None or not model.exists(qualifier):
            assert isinstance(result, NotFound)
        elif sid in model.policies.get(qualifier, []):
            assert isinstance(result, AlreadyExists)
        else:
            assert not isinstance(result, StoreError)
            model.policies.setdefault(qualifier, []).append(sid)

    @rule(name=NAMES, qualifier=QUALIFIERS, sid=SIDS)
    def remove_statement(self, name: str, qualifier: str, sid: str) -> None:
        result = self.run(lambda_policies.remove_statement, ACCOUNT, REGION, name, qualifier, sid)
        model = self.fns.get(name)
        sids = model.policies.get(qualifier) if model else None
        if model is None or not model.exists(qualifier) or not sids or sid not in sids:
            assert isinstance(result, NotFound)
            return
        sids.remove(sid)
        assert (result is None) == (not sids)
        if not sids:
            del model.policies[qualifier]

    @rule()
    def prune(self) -> None:
        referenced = set().union(*(model.codes() for model in self.fns.values()))
        gone = self.run(lambda_code.prune)
        assert isinstance(gone, list)
        assert set(gone) == {hashlib.sha256(code).hexdigest() for code in self.stored - referenced}
        self.stored &= referenced

    @invariant()
    def store_matches_model(self) -> None:
        with self.store.transaction(read_only=True) as conn:
            listed, marker = [], None
            while True:
                page = lambda_functions.list_functions(conn, ACCOUNT, REGION, all_versions=True, marker=marker,
                                                       max_items=2)
                listed += [(v.function_name, v.version, v.config["Timeout"]) for v in page.items]
                if (marker := page.marker) is None:
                    break
            assert listed == [(name, label, timeout) for name in sorted(self.fns)
                              for label, timeout in self._versions(self.fns[name])]
            assert lambda_functions.account_usage(conn, ACCOUNT, REGION).function_count == len(self.fns)
            for name, model in self.fns.items():
                self._check_function(conn, name, model)

    @staticmethod
    def _versions(model: Fn) -> list[tuple[str, int]]:
        return [(LATEST, model.latest[0])] + [(str(n), model.versions[n][0]) for n in sorted(model.versions)]

    @staticmethod
    def _check_function(conn: Any, name: str, model: Fn) -> None:
        found = {a.name: (number(a.function_version), int(next(iter(a.routing))) if a.routing else None)
                 for a in lambda_aliases.list_aliases(conn, ACCOUNT, REGION, name).items}
        assert found == model.aliases
        for qualifier in ("", "1", "2", "live"):
            if not model.exists(qualifier):
                continue
            try:
                policy = lambda_policies.get_policy(conn, ACCOUNT, REGION, name, qualifier)
                sids = [statement["Sid"] for statement in policy.statements()]
            except NotFound:
                sids = []
            assert sids == model.policies.get(qualifier, [])
        assert lambda_functions.get_function(conn, ACCOUNT, REGION, name).next_version == model.next_number


LambdaModel.TestCase.settings = settings(
    max_examples=40, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestLambdaModel = LambdaModel.TestCase
