"""A function reference as Lambda takes it, resolved to (account, region, name, qualifier) and ARNs.

Lambda accepts a function by name (``my-function``), with a qualifier (``my-function:PROD``,
``my-function:3``), as a partial ARN (``123456789012:function:my-function[:PROD]``) and as a
full ARN (``arn:aws:lambda:us-east-1:123456789012:function:my-function[:PROD]``), plus a separate
``Qualifier`` parameter on most operations. The model's pattern has already checked the shape;
this module fills in the caller's account and the request's region, and answers AWS's errors for
a qualifier that disagrees with the name's and for an ARN of another region.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lamina.arn import format_arn
from lamina.context import RequestContext

from .errors import InvalidParameterValueException, ResourceNotFoundException

__all__ = ["FunctionRef", "function_ref", "unqualified_only"]

LATEST = "$LATEST"
_REFERENCE = re.compile(
    r"(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:(?P<region>(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9-_.]+)"
    r"(?::(?P<qualifier>\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9-_]+))?")
"""The model's FunctionName pattern, with its parts named: ``arn:aws:lambda:REGION:ACCOUNT:function``
is the function ``function`` of that account, as AWS reads it (the ``function:`` part is optional)."""


@dataclass(frozen=True, slots=True)
class FunctionRef:
    """A function, in an account and region, optionally qualified by a version or alias."""

    account: str
    region: str
    name: str
    qualifier: str | None = None
    arn: str = field(init=False, repr=False, compare=False)
    """The function's unqualified ARN (what tags and GetPolicy without a qualifier refer to)."""
    qualified_arn: str = field(init=False, repr=False, compare=False)
    """The ARN as the request named it: with ``:QUALIFIER`` when it has one.

    This is the resource the gate decides on: AWS compares a policy's Resource with both the
    function name and the qualifier, so ``function:f`` matches only unqualified requests."""

    def __post_init__(self) -> None:  # written once: the declaration, the gate and the handler each read them
        arn = format_arn("lambda", self.region, self.account, f"function:{self.name}")
        object.__setattr__(self, "arn", arn)
        object.__setattr__(self, "qualified_arn", arn if self.qualifier is None else f"{arn}:{self.qualifier}")

    def with_qualifier(self, qualifier: str | None) -> FunctionRef:
        return FunctionRef(self.account, self.region, self.name, qualifier)


def function_ref(ctx: RequestContext, params: Mapping[str, Any] | None = None, *, member: str = "FunctionName",
                 qualifier_member: str = "Qualifier") -> FunctionRef:
    """The function ``params[member]`` names (``ctx.params`` by default), with ``Qualifier`` applied.

    The account is the caller's unless the reference names one (another account's function is
    reached through its resource-based policy); the region is the request's unless an ARN names
    one, and an ARN of another region is not reachable here, as AWS answers. The request's own
    reference is read once (the declaration, the condition keys and the handler all ask for it).
    """
    if params is not None:
        return _function_ref(ctx, params, member, qualifier_member)
    key = ("function_ref", member, qualifier_member)
    found: FunctionRef | None = ctx.derived.get(key)
    if found is None:
        found = ctx.derived[key] = _function_ref(ctx, ctx.params, member, qualifier_member)
    return found


def _function_ref(ctx: RequestContext, params: Mapping[str, Any], member: str, qualifier_member: str) -> FunctionRef:
    given = params.get(qualifier_member)
    caller_account = ctx.caller.account_id if ctx.caller is not None else None
    return resolve(str(params[member]), None if given is None else str(given), ctx.region or "us-east-1",
                   caller_account)


@functools.lru_cache(maxsize=4096)
def resolve(reference: str, given_qualifier: str | None, region: str, caller_account: str | None) -> FunctionRef:
    """The function ``reference`` names, as read by a caller of ``caller_account`` in ``region`` (None:
    no caller, so the reference must name its account): a pure function of its arguments, so each
    reference is parsed once (errors are raised anew)."""
    found = _REFERENCE.fullmatch(reference)
    if found is None:  # the model's pattern admits every reference; this one is refused before a handler
        raise ResourceNotFoundException(f"Function not found: {reference}")
    if found["region"] and found["region"] != region:
        raise ResourceNotFoundException(f"Functions from '{found['region']}' are not reachable in this region "
                                        f"('{region}')")
    account, name, qualifier = found["account"] or caller_account, found["name"], found["qualifier"]
    if account is None:
        raise RuntimeError("the request has not been authenticated")
    if given_qualifier is not None:
        if qualifier is not None and qualifier != given_qualifier:
            raise InvalidParameterValueException(
                "The derived qualifier from the function name does not match the specified qualifier.")
        qualifier = given_qualifier
    return FunctionRef(account, region, name, qualifier)


def unqualified_only(ref: FunctionRef) -> FunctionRef:
    """``ref`` when it names the function itself; AWS's error for operations that take no qualifier."""
    if ref.qualifier is not None:
        raise InvalidParameterValueException(
            "This operation is permitted on Lambda functions only. Aliases and versions do not support this "
            "operation. Please specify either a function name or an unqualified function ARN.")
    return ref
