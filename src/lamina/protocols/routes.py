"""Which operation a REST request calls, read off the model's ``http.method`` and ``requestUri``.

Each operation's URI template (``/2015-03-31/functions/{FunctionName}/aliases/{Name}``) becomes a
route of literal segments and labels; ``{Key+}`` is a greedy label that takes the rest of the
path. A template may also pin query parameters (``/2018-10-31/layers?find=LayerVersion``). When
several routes fit a request, the most specific wins: more literal segments, then more pinned
query parameters. So ``GET /2018-10-31/layers?find=LayerVersion&Arn=...`` is
GetLayerVersionByArn while ``GET /2018-10-31/layers`` is ListLayers, as botocore built them.

Every request of a REST service is matched twice (its body limit is chosen from the operation
before the body is read, then the parser reads the labels), so the router does not try every
route: routes are indexed by method and by the number of path segments they can take, keeping
their order of specificity, and a request is tried against that short list only.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from .models import ServiceSpec, load_service

__all__ = ["Route", "RouteMatch", "Router", "router_for"]


@dataclass(frozen=True, slots=True)
class Route:
    """One operation's method, path template and pinned query parameters."""

    operation: str
    method: str
    segments: tuple[str, ...]
    """Literal segments as text; labels as ``{Name}`` or ``{Name+}`` (greedy)."""
    query: tuple[tuple[str, str | None], ...]
    """Query parameters the template pins: (name, value) or (name, None) for "present"."""

    @property
    def specificity(self) -> tuple[int, int]:
        return sum(not s.startswith("{") for s in self.segments), len(self.query)

    def takes(self, count: int) -> bool:
        """Whether a path of ``count`` segments can fit: exactly as many, or, with a greedy label,
        more than the segments before it (the greedy label needs at least one)."""
        for index, segment in enumerate(self.segments):
            if segment.endswith("+}"):
                return count > index
        return count == len(self.segments)

    def match(self, parts: Sequence[str], query: Mapping[str, str]) -> dict[str, str] | None:
        """The path labels' values (percent-decoded) when the request fits, else None."""
        labels: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.endswith("+}"):
                rest = parts[index:]
                if not rest or not "".join(rest):
                    return None
                labels[segment[1:-2]] = unquote("/".join(rest))
                return labels if self._query_fits(query) else None
            if index >= len(parts):
                return None
            if segment.startswith("{"):
                if not parts[index]:
                    return None
                labels[segment[1:-1]] = unquote(parts[index])
            elif parts[index] != segment:
                return None
        if len(parts) != len(self.segments) or not self._query_fits(query):
            return None
        return labels

    def _query_fits(self, query: Mapping[str, str]) -> bool:
        return all(name in query and (value is None or query[name] == value) for name, value in self.query)


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """The operation a request calls and its path labels."""

    operation: str
    labels: Mapping[str, str]


class Router:
    """Every route of one REST service, most specific first."""

    def __init__(self, service: ServiceSpec) -> None:
        routes = [_route(name, service.operation(name).http) for name in service.operation_names]  # type: ignore[union-attr]
        self.routes = sorted(routes, key=lambda r: r.specificity, reverse=True)
        self.prefixes = frozenset(r.segments[0] for r in routes if r.segments)
        """The first path segments of every route (``2015-03-31``): a cheap "is this ours?"."""
        self._longest = max((len(r.segments) for r in routes), default=0)
        self._index: dict[tuple[str, int], dict[str, tuple[Route, ...]]] = {}
        """(method, number of path segments, capped at one more than any route has) → first path
        segment → the routes that can take such a path, most specific first (``self.routes``
        filtered); the key ``""`` holds those whose first segment is a label, for any other."""
        for method in {r.method for r in routes}:
            for count in range(self._longest + 2):
                fitting = [r for r in self.routes if r.method == method and r.takes(count)]
                firsts = {r.segments[0] for r in fitting if not r.segments[0].startswith("{")}
                self._index[method, count] = {
                    first: tuple(r for r in fitting if r.segments[0] == first or r.segments[0].startswith("{"))
                    for first in (*firsts, "")
                }

    def match(self, method: str, raw_path: str, query_string: str) -> RouteMatch | None:
        """The operation for ``method`` on the raw (percent-encoded) path, or None."""
        parts = raw_path.lstrip("/").split("/")
        if len(parts) > 1 and not parts[-1]:  # a trailing slash: AWS answers /functions/ as /functions
            parts.pop()
        by_first = self._index.get((method, min(len(parts), self._longest + 1)))
        if by_first is None:
            return None
        candidates = by_first.get(parts[0]) or by_first[""]
        query = dict(parse_qsl(query_string, keep_blank_values=True)) if query_string else {}
        for route in candidates:
            labels = route.match(parts, query)
            if labels is not None:
                return RouteMatch(route.operation, labels)
        return None

    def owns(self, raw_path: str) -> bool:
        """True when the path starts like one of this service's routes."""
        return raw_path.lstrip("/").split("/", 1)[0] in self.prefixes


def _route(name: str, http: Mapping[str, str]) -> Route:
    path, _, query = http["requestUri"].partition("?")
    pinned = tuple((key, value or None) for key, value in parse_qsl(query, keep_blank_values=True))
    return Route(name, http["method"], tuple(path.lstrip("/").split("/")), pinned)


@functools.cache
def router_for(service_name: str) -> Router:
    """The cached router of a REST service (``lambda``)."""
    return Router(load_service(service_name))
