"""Documents compiled once into matchers and an action index, cached by content.

``CompiledDocument.candidates(action)`` returns only the statements whose Action/NotAction
element matches, from an index (exact names, per-service wildcards, and the few statements that
could match any action), memoised per action: evaluation never visits statements that cannot
match the request's action, however many the policy holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ._conditions import CompiledCondition
from ._context import Context
from ._decision import PolicyType, Reason
from ._model import Document, Effect, PolicyKind, Statement
from ._parse import parse_document
from ._principals import PrincipalMatcher
from ._request import Principal
from ._variables import Template, parse_template
from ._wildcard import ALWAYS, Matcher, compile_any, compile_pattern, compile_pieces, has_wildcard

_MEMO_LIMIT = 1024


class CompiledStatement:
    """One statement's matchers. ``principal`` is None in identity policies."""

    __slots__ = ("conditions", "effect", "index", "is_allow", "not_principal", "principal",
                 "resource_negated", "resource_static", "resource_templates", "sid")

    def __init__(self, st: Statement, variables: bool) -> None:
        self.index = st.index
        self.sid = st.sid
        self.effect = st.effect
        self.is_allow = st.effect is Effect.ALLOW
        block = st.principal or st.not_principal
        self.principal = PrincipalMatcher(block) if block is not None else None
        self.not_principal = st.not_principal is not None
        patterns = st.resources if st.resources is not None else st.not_resources
        self.resource_negated = st.not_resources is not None
        static: list[str] = []
        self.resource_templates: tuple[Template, ...] = ()
        for pattern in patterns or ("*",):  # no Resource element (trust policies) behaves as "*"
            template = parse_template(pattern) if variables else None
            if template is None:
                static.append(pattern)
            else:
                self.resource_templates += (template,)
        self.resource_static = compile_any(tuple(static))
        self.conditions = tuple(CompiledCondition(c, variables) for c in st.conditions)

    def static_resource_verdict(self, resource: str) -> bool | None:
        """Whether the resource matches without looking at the request (None: it depends)."""
        if self.resource_templates:
            return None
        return not self.resource_static(resource) if self.resource_negated else bool(self.resource_static(resource))

    def resource_matches(self, resource: str, ctx: Context) -> bool:
        hit = bool(self.resource_static(resource))
        if not hit:
            for template in self.resource_templates:
                pieces = template.resolve(ctx.single)
                if pieces is not None and compile_pieces(pieces)(resource):
                    hit = True
                    break
        return not hit if self.resource_negated else hit

    def grant(self, who: Principal) -> str | None:
        """The grant kind for the caller, for statements with a Principal/NotPrincipal."""
        assert self.principal is not None
        if self.not_principal:
            return None if self.principal.names_every_part_of(who) else "public"
        return self.principal.grant(who)


class CompiledDocument:
    """A parsed document with its statements compiled and indexed by action."""

    __slots__ = ("_always", "_applicable", "_exact", "_memo", "_service", "document", "statements")

    def __init__(self, document: Document) -> None:
        self.document = document
        self.statements = tuple(CompiledStatement(st, document.variables) for st in document.statements)
        self._exact: dict[str, set[int]] = {}
        self._service: dict[str, list[tuple[Matcher, int]]] = {}
        self._always: list[tuple[tuple[Matcher, ...], bool, int]] = []
        self._memo: dict[str, tuple[CompiledStatement, ...]] = {}
        self._applicable: dict[str, dict[str, tuple[CompiledStatement, ...]]] = {}
        for st in document.statements:
            self._index(st)

    def _index(self, st: Statement) -> None:
        if st.not_actions is not None:
            matchers = tuple(compile_pattern(a.lower()) for a in st.not_actions)
            self._always.append((matchers, True, st.index))
            return
        for action in st.actions or ():
            lower = action.lower()
            service, _, name = lower.partition(":")
            if lower == "*":
                self._always.append(((ALWAYS,), False, st.index))
            elif has_wildcard(service):
                self._always.append(((compile_pattern(lower),), False, st.index))
            elif has_wildcard(name):
                self._service.setdefault(service, []).append((compile_pattern(lower), st.index))
            else:
                self._exact.setdefault(lower, set()).add(st.index)

    def candidates(self, action: str) -> tuple[CompiledStatement, ...]:
        """Statements whose Action/NotAction matches ``action`` (already lower case), in order."""
        found = self._memo.get(action)
        if found is not None:
            return found
        hits = set(self._exact.get(action, ()))
        service = action.partition(":")[0]
        hits.update(i for matcher, i in self._service.get(service, ()) if matcher(action))
        for matchers, negated, i in self._always:
            if any(m(action) for m in matchers) != negated:
                hits.add(i)
        found = tuple(self.statements[i] for i in sorted(hits))
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        self._memo[action] = found
        return found


    def clear_memo(self) -> None:
        """Forget the memoised (action, resource) answers (benchmarks measure the cold path)."""
        self._applicable.clear()

    def applicable(self, action: str, resource: str) -> tuple[CompiledStatement, ...]:
        """Candidates for ``action`` whose Resource matches ``resource`` or needs the request's
        context (policy variables) to tell; memoised, since callers repeat (action, resource)."""
        by_resource = self._applicable.get(action)
        if by_resource is None:
            if len(self._applicable) >= _MEMO_LIMIT:
                self._applicable.clear()
            by_resource = self._applicable[action] = {}
        found = by_resource.get(resource)
        if found is None:
            found = tuple(st for st in self.candidates(action) if st.static_resource_verdict(resource) is not False)
            if len(by_resource) >= _MEMO_LIMIT:
                by_resource.clear()
            by_resource[resource] = found
        return found


class Policy:
    """A parsed, compiled policy with the id that decisions name it by."""

    __slots__ = ("_reasons", "compiled", "document", "kind", "policy_id")

    def __init__(self, policy_id: str, kind: PolicyKind, compiled: CompiledDocument) -> None:
        self.policy_id = policy_id
        self.kind = kind
        self.compiled = compiled
        self.document: Document = compiled.document
        self._reasons: dict[tuple[int, int], Reason] = {}

    def reason(self, policy_type: PolicyType, type_code: int, st: CompiledStatement) -> Reason:
        """The (cached) Reason naming statement ``st`` of this policy as ``policy_type``."""
        key = (type_code, st.index)
        found = self._reasons.get(key)
        if found is None:
            found = self._reasons[key] = Reason(self.policy_id, policy_type, st.index, st.sid, st.effect)
        return found

    def __repr__(self) -> str:
        return f"Policy({self.policy_id!r}, {self.kind.name}, {len(self.compiled.statements)} statements)"


@lru_cache(maxsize=8192)
def _compile_text(text: str, kind: PolicyKind) -> CompiledDocument:
    return CompiledDocument(parse_document(text, kind))


def parse_policy(document: str | bytes | Mapping[str, Any], kind: PolicyKind = PolicyKind.IDENTITY,
                 policy_id: str = "inline") -> Policy:
    """Parse, check and compile ``document``; identical documents share one compiled form.

    Raises ``MalformedPolicyDocument`` with AWS's wording when IAM would refuse the document.
    """
    if isinstance(document, bytes):
        document = document.decode("utf-8", errors="replace")
    text = document if isinstance(document, str) else json.dumps(document, sort_keys=True, default=str)
    compiled = _compile_text(text, kind)
    return Policy(policy_id, kind, compiled)
