"""``lamina policy simulate``: decide a request (or a whole case file) and explain the decision."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from lamina.cases import Case, load_cases
from lamina.policy import (
    Decision,
    MalformedPolicyDocument,
    Policy,
    PolicyKind,
    PolicySet,
    Principal,
    Request,
    denial_message,
    evaluate,
    parse_policy,
)


def add_parser(policy_commands: Any) -> None:
    parser = policy_commands.add_parser(
        "simulate", help="decide a request under policies and say which statements decided it",
        description="Decide one request (--principal/--action/--resource with policy files) or every "
                    "request of a case file (--cases), as AWS's evaluation logic does.")
    parser.add_argument("--cases", metavar="FILE", help="a case file (see docs/policy-engine.md); exit 1 on a mismatch")
    parser.add_argument("--principal", metavar="ARN", help="the caller: a user, role session or root ARN, or a service")
    parser.add_argument("--role-arn", metavar="ARN", help="the role behind a role session (with its path)")
    parser.add_argument("--action", help="for example lambda:GetFunction")
    parser.add_argument("--resource", default="*", help="the resource ARN (default *)")
    parser.add_argument("--resource-account", help="the resource's account when its ARN has none")
    parser.add_argument("--policy", action="append", default=[], metavar="FILE", help="an identity policy (repeat)")
    parser.add_argument("--boundary", metavar="FILE", help="the permissions boundary")
    parser.add_argument("--session-policy", action="append", metavar="FILE", help="a session policy (repeat)")
    parser.add_argument("--scp", action="append", metavar="FILE", help="a service control policy (one level; repeat)")
    parser.add_argument("--resource-policy", metavar="FILE", help="the resource-based policy")
    parser.add_argument("--trust-policy", metavar="FILE", help="the role trust policy (for sts:AssumeRole)")
    parser.add_argument("--context", action="append", default=[], metavar="KEY=VALUE",
                        help="a condition key's value; repeat a key for a multivalued key")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run)


def _load(path: str, kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    return parse_policy(Path(path).read_text(), kind, Path(path).name)


def _context(pairs: list[str]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--context takes KEY=VALUE, not {pair!r}")
        if key in context:
            existing = context[key]
            context[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            context[key] = value
    return context


def _single(args: argparse.Namespace) -> Case:
    if not args.principal or not args.action:
        raise ValueError("give --principal and --action (or --cases FILE)")
    resource_policy = None
    if args.resource_policy:
        resource_policy = _load(args.resource_policy, PolicyKind.RESOURCE)
    elif args.trust_policy:
        resource_policy = _load(args.trust_policy, PolicyKind.TRUST)
    policies = PolicySet(
        identity=[_load(p) for p in args.policy],
        boundary=_load(args.boundary) if args.boundary else None,
        session=[_load(p) for p in args.session_policy] if args.session_policy else None,
        scps=[[_load(p)] for p in args.scp] if args.scp else None,
        resource=resource_policy)
    request = Request(Principal.from_arn(args.principal, args.role_arn), args.action, args.resource,
                      _context(args.context), args.resource_account)
    return Case("request", request, policies, None)


def describe(case: Case, decision: Decision) -> dict[str, Any]:
    """A decision as plain data: outcome, deciding statements and AWS's sentence on a denial."""
    out: dict[str, Any] = {
        "id": case.case_id,
        "outcome": decision.outcome.value,
        "reasons": [{"policy": r.policy_id, "type": r.policy_type.value, "statement": r.statement,
                     "effect": r.effect.value} for r in decision.reasons],
    }
    if case.expected is not None:
        out["expected"] = case.expected
    if not decision.allowed:
        req = case.request
        out["denied_by"] = decision.denied_by.value if decision.denied_by else None
        out["message"] = denial_message(req.principal.arn, req.action, req.resource, decision)
    if decision.diagnostics:
        out["diagnostics"] = list(decision.diagnostics)
    return out


def _print_text(result: dict[str, Any]) -> None:
    mark = ""
    if "expected" in result:
        mark = "  ok" if result["expected"] == result["outcome"] else f"  MISMATCH (expected {result['expected']})"
    print(f"{result['id']}: {result['outcome']}{mark}")
    for reason in result["reasons"]:
        print(f"  {reason['effect']} by {reason['type']} {reason['policy']!r} {reason['statement']}")
    if "message" in result:
        print(f"  {result['message']}")
    for note in result.get("diagnostics", []):
        print(f"  note: {note}")


def run(args: argparse.Namespace) -> int:
    try:
        cases = load_cases(args.cases) if args.cases else [_single(args)]
    except MalformedPolicyDocument as err:
        print(f"MalformedPolicyDocument: {err.message} ({err.location})", file=sys.stderr)
        return 2
    except (OSError, ValueError, KeyError) as err:
        print(f"lamina policy simulate: {err}", file=sys.stderr)
        return 2
    results = [describe(case, evaluate(case.request, case.policies)) for case in cases]
    if args.json:
        print(json.dumps(results if args.cases else results[0], indent=2))
    else:
        for result in results:
            _print_text(result)
    mismatches = [r for r in results if "expected" in r and r["expected"] != r["outcome"]]
    if args.cases and not args.json:
        print(f"{len(results) - len(mismatches)} of {len(results)} cases as expected")
    return 1 if mismatches else 0
