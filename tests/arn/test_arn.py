"""ARNs: parse and format round-trip, partitions follow regions, malformed text is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamina.arn import Arn, format_arn, parse_arn, partition_of

PART = st.text(alphabet=st.characters(blacklist_characters=":", blacklist_categories=("Cs",)), min_size=1, max_size=12)


@given(PART, PART, st.text(alphabet="abc-123", max_size=12), st.text(alphabet="0123456789", max_size=12),
       st.text(min_size=1, max_size=40))
def test_format_then_parse_gives_the_parts_back(partition: str, service: str, region: str, account: str,
                                                resource: str) -> None:
    arn = Arn(partition, service, region, account, resource)
    assert parse_arn(str(arn)) == arn


@pytest.mark.parametrize(("region", "partition"), [
    ("us-east-1", "aws"), ("eu-west-3", "aws"), ("", "aws"), ("cn-north-1", "aws-cn"),
    ("us-gov-west-1", "aws-us-gov"), ("us-iso-east-1", "aws-iso"), ("us-isob-east-1", "aws-iso-b"),
])
def test_the_partition_follows_the_region(region: str, partition: str) -> None:
    assert partition_of(region) == partition


def test_resource_parts_keep_their_colons_and_slashes() -> None:
    arn = parse_arn("arn:aws:lambda:us-east-1:123456789012:function:my-function:PROD")
    assert (arn.service, arn.region, arn.account, arn.resource) == (
        "lambda", "us-east-1", "123456789012", "function:my-function:PROD")
    assert format_arn("lambda", "cn-north-1", "123456789012", "function:f") == \
        "arn:aws-cn:lambda:cn-north-1:123456789012:function:f"
    assert format_arn("iam", "", "123456789012", "role/a/b", partition="aws-us-gov") == \
        "arn:aws-us-gov:iam::123456789012:role/a/b"


@pytest.mark.parametrize("text", ["", "arn", "arn:aws:iam::123", "nra:aws:iam::1:x", "arn::iam::1:x", "arn:aws::::x",
                                  "arn:aws:iam::1:"])
def test_malformed_arns_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an ARN"):
        parse_arn(text)
