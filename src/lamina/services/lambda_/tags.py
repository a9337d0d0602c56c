"""TagResource, UntagResource and ListTags on a function ARN.

``Resource`` is an ARN, not a function name, and only an unqualified function ARN carries tags
(AWS: "Tags on function aliases and versions are not supported"); tags apply to every version
and alias of the function. Keys are case-sensitive, at most 50 per function, and the ``aws:``
prefix (in any case) is AWS's own. The declarations (``declarations.declaration``) add
``aws:RequestTag/<key>`` and ``aws:TagKeys`` to the function's own keys, so a policy can limit
which tags a caller may set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lamina.context import RequestContext
from lamina.protocols import ServiceError
from lamina.services.registry import operation
from lamina.store import LimitExceeded, NotFound, Store
from lamina.store.repositories import lambda_functions, tags

from .declarations import declaration
from .errors import InvalidParameterValueException, ResourceNotFoundException
from .names import FunctionRef, function_ref

__all__ = ["list_tags", "tag_resource", "too_many_tags", "untag_resource"]

NOT_FOUND = {
    "event-source-mapping": "Event source mapping not found: {arn}",
    "capacity-provider": "Capacity provider not found: {arn}",
}
"""What AWS answers for the other taggable kinds, none of which Lamina has yet."""


def _kind(ctx: RequestContext) -> str:
    """The ARN's resource type (``function``, ``event-source-mapping``, …); the model checked the form."""
    parts = str(ctx.params["Resource"]).split(":")
    return parts[5] if len(parts) > 5 else ""


def _function(ctx: RequestContext) -> FunctionRef:
    """The tagged function: AWS's answers for a qualified ARN and for kinds Lamina does not have."""
    arn = str(ctx.params["Resource"])
    if _kind(ctx) != "function":
        raise ResourceNotFoundException(NOT_FOUND.get(_kind(ctx), "The resource you requested does not exist.")
                                        .format(arn=arn))
    ref = function_ref(ctx, member="Resource")
    if ref.qualifier is not None:
        raise InvalidParameterValueException(
            "Tags on function aliases and versions are not supported. Please specify a function ARN.")
    return ref


def _refuse_reserved(keys: Iterable[str]) -> None:
    """The ``aws:`` prefix belongs to AWS, in any case (Lamina's wording: AWS's is not recorded)."""
    for key in keys:
        if key.lower().startswith("aws:"):
            raise InvalidParameterValueException(
                f"Tag key '{key}' is not valid: keys that start with 'aws:' are reserved for AWS use.")


def _not_found(ref: FunctionRef) -> ServiceError:
    return ResourceNotFoundException(f"Function not found: {ref.arn}")


@operation("lambda", "TagResource", authorization=declaration("TagResource"))
def tag_resource(ctx: RequestContext, store: Store) -> None:
    """Add or overwrite tags; more than 50 in all is refused and nothing changes. A change of tags is
    a new RevisionId of the function, as AWS recorded (TestLambdaTags::test_tag_lifecycle)."""
    ref = _function(ctx)
    given: Mapping[str, str] = ctx.params.get("Tags") or {}
    if not given:
        raise InvalidParameterValueException("An error occurred and the request cannot be processed.")
    _refuse_reserved(given)
    try:
        with store.transaction() as conn:
            function = lambda_functions.get_function(conn, ref.account, ref.region, ref.name)
            tags.tag_resource(conn, ref.account, lambda_functions.TAG_KIND, function.function_id, given)
            lambda_functions.renew_revision(conn, function)
    except NotFound:
        raise _not_found(ref) from None
    except LimitExceeded:
        raise too_many_tags() from None


def too_many_tags() -> ServiceError:
    """AWS's answer past 50 tags, on TagResource and on CreateFunction's ``Tags`` alike."""
    return InvalidParameterValueException("Number of tags exceeds resource tag limit.")


@operation("lambda", "UntagResource", authorization=declaration("UntagResource"))
def untag_resource(ctx: RequestContext, store: Store) -> None:
    """Remove tags by key; keys the function does not have are ignored, as in AWS."""
    ref = _function(ctx)
    keys = [str(key) for key in ctx.params.get("TagKeys") or []]
    _refuse_reserved(keys)
    try:
        with store.transaction() as conn:
            function = lambda_functions.get_function(conn, ref.account, ref.region, ref.name)
            tags.untag_resource(conn, lambda_functions.TAG_KIND, function.function_id, keys)
            lambda_functions.renew_revision(conn, function)
    except NotFound:
        raise _not_found(ref) from None


@operation("lambda", "ListTags", authorization=declaration("ListTags"))
def list_tags(ctx: RequestContext, store: Store) -> Mapping[str, Any]:
    ref = _function(ctx)
    try:
        with store.transaction(read_only=True) as conn:
            function = lambda_functions.get_function(conn, ref.account, ref.region, ref.name)
            found = tags.all_tags(conn, lambda_functions.TAG_KIND, function.function_id)
    except NotFound:
        raise _not_found(ref) from None
    return {"Tags": found}
