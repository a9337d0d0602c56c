"""Shortcuts of the policy gathering against the long way: ``is_aws_owned``'s early answer and the
``PolicySet`` a caller's policies keep."""

from __future__ import annotations

import itertools
import random

from lamina.authorization.policies import NOTHING, ROOT_ACCESS, PrincipalPolicies, is_aws_owned
from lamina.policy import PolicySet


def _split_only(arn: str) -> bool:
    """``is_aws_owned`` before its early answer."""
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam" and parts[4] == "aws"


def test_is_aws_owned_answers_as_splitting_does() -> None:
    pieces = ["arn", "aws", "aws-cn", "iam", "IAM", "lambda", "", "aws", "123456789012", "policy/P", ":", "iam:",
              ":iam", "x/iam:aws"]
    rng = random.Random(1)
    samples = ["", "*", "arn:aws:iam::aws:policy/P", "arn:aws:iam::aws", "arn:aws:iam::aws:", "arn::iam::aws:x",
               "arn:aws:lambda:us-east-1:123456789012:function:iam:aws", *(":".join(p) for p in
                                                                          itertools.product(pieces[:6], repeat=3))]
    samples += [":".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(5000)]
    for arn in samples:
        assert is_aws_owned(arn) == _split_only(arn), arn


def test_a_callers_policy_set_is_the_one_built_each_time() -> None:
    for identity, boundary, session, resource in itertools.product(
            [(), (ROOT_ACCESS,), (ROOT_ACCESS, NOTHING)], [None, NOTHING], [None, (), (NOTHING,)], [None, NOTHING]):
        mine = PrincipalPolicies(identity, boundary, session, (("team", "blue"),))
        expected = PolicySet(identity=identity, boundary=boundary, session=session, resource=resource)
        assert mine.policy_set(resource) == expected
        assert mine.policy_set(resource) == expected  # the kept one, asked again
