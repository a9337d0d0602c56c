"""The router's index (by method and path length) picks exactly what trying every route in order would."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.protocols import load_service
from lamina.protocols.routes import Route, RouteMatch, Router, router_for

ROUTER = router_for("lambda")
METHODS = sorted({route.method for route in ROUTER.routes} | {"PATCH", "OPTIONS"})


def reference_match(router: Router, method: str, raw_path: str, query_string: str) -> RouteMatch | None:
    """The router before its index: every route, most specific first, the first that fits."""
    from urllib.parse import parse_qsl

    parts = raw_path.lstrip("/").split("/")
    if len(parts) > 1 and not parts[-1]:
        parts.pop()
    query = dict(parse_qsl(query_string, keep_blank_values=True))
    for route in router.routes:
        if route.method == method:
            labels = route.match(parts, query)
            if labels is not None:
                return RouteMatch(route.operation, labels)
    return None


def filled(route: Route, value: str) -> list[str]:
    """The route's path with every label set to ``value`` (a greedy one to two segments)."""
    return [f"{value}/{value}" if s.endswith("+}") else value if s.startswith("{") else s for s in route.segments]


def pinned(route: Route) -> str:
    return "&".join(f"{name}={value or 'x'}" for name, value in route.query)


def test_every_route_of_every_method_matches_as_a_full_scan() -> None:
    for route, method, value in itertools.product(ROUTER.routes, METHODS, ("f", "", "a%2Fb")):
        segments = filled(route, value)
        for path in ("/" + "/".join(segments), "/" + "/".join(segments) + "/", "/" + "/".join(segments[:-1]),
                     "/" + "/".join([*segments, "extra"]), "/" + "/".join([*segments, "x", "y", "z", "w", "v"])):
            for query in ("", pinned(route), "Qualifier=1&" + pinned(route)):
                assert ROUTER.match(method, path, query) == reference_match(ROUTER, method, path, query), (method, path)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(METHODS), st.lists(st.sampled_from(["2015-03-31", "2018-10-31", "functions", "f", "aliases",
                                                          "policy", "versions", "layers", "", "%20", "tags"]),
                                          max_size=9),
       st.sampled_from(["", "find=LayerVersion", "find=LayerVersion&Arn=a", "Qualifier=1", "MaxItems=2"]))
def test_random_paths_match_as_a_full_scan(method: str, segments: list[str], query: str) -> None:
    path = "/" + "/".join(segments)
    assert ROUTER.match(method, path, query) == reference_match(ROUTER, method, path, query)


def test_a_new_router_on_the_same_model_agrees() -> None:
    fresh = Router(load_service("lambda"))
    assert fresh.match("GET", "/2015-03-31/functions/f", "") == RouteMatch("GetFunction", {"FunctionName": "f"})
    assert fresh.match("BREW", "/2015-03-31/functions/f", "") is None
