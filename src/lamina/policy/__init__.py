"""Lamina's IAM policy engine: AWS's policy language and evaluation logic, pure and fast.

    >>> from lamina.policy import parse_policy, evaluate, Request, Principal, PrincipalType, PolicySet
    >>> alice = Principal("arn:aws:iam::123456789012:user/alice", PrincipalType.USER, "123456789012")
    >>> policy = parse_policy('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", '
    ...                       '"Action": "lambda:Get*", "Resource": "*"}}', policy_id="read")
    >>> evaluate(Request(alice, "lambda:GetFunction", "arn:aws:lambda:us-east-1:123456789012:function:f"),
    ...          PolicySet(identity=[policy])).outcome
    <Outcome.ALLOW: 'Allow'>

No I/O, no framework, no database: everything arrives as arguments. See docs/policy-engine.md.
"""

from ._compile import Policy, parse_policy
from ._decision import Decision, Outcome, PolicyType, Reason, denial_message
from ._errors import MalformedPolicyDocument
from ._evaluate import evaluate
from ._model import ConditionClause, Document, Effect, PolicyKind, PrincipalBlock, Statement
from ._parse import parse_document
from ._request import ContextValue, PolicySet, Principal, PrincipalType, Request
from ._validate import Finding, FindingType, validate_policy
from ._variables import substitute_variables, variable_spans
from ._wildcard import compile_pattern, compile_pieces

__all__ = [
    "ConditionClause",
    "ContextValue",
    "Decision",
    "Document",
    "Effect",
    "Finding",
    "FindingType",
    "MalformedPolicyDocument",
    "Outcome",
    "Policy",
    "PolicyKind",
    "PolicySet",
    "PolicyType",
    "Principal",
    "PrincipalBlock",
    "PrincipalType",
    "Reason",
    "Request",
    "Statement",
    "compile_pattern",
    "compile_pieces",
    "denial_message",
    "evaluate",
    "parse_document",
    "parse_policy",
    "substitute_variables",
    "validate_policy",
    "variable_spans",
]
