"""Policy grammar and IAM's MalformedPolicyDocument wording (parse_document / parse_policy)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lamina.policy import (
    Document,
    Effect,
    MalformedPolicyDocument,
    PolicyKind,
    PrincipalBlock,
    parse_document,
    parse_policy,
)

FN = "arn:aws:lambda:us-east-1:123456789012:function:my-function"
ALLOW = {"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": FN}
TRUST = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}


def doc(*statements: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements), **top}


def error(document: Any, kind: PolicyKind = PolicyKind.IDENTITY) -> MalformedPolicyDocument:
    with pytest.raises(MalformedPolicyDocument) as info:
        parse_document(document, kind)
    assert info.value.code == "MalformedPolicyDocument"
    return info.value


def resource_statement(principal: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "lambda:InvokeFunction", "Resource": FN}


# --- documents -------------------------------------------------------------------------------------------


def test_valid_identity_policy_parses_to_typed_statements():
    """A minimal identity policy becomes one Allow statement with tuple-valued elements.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    parsed = parse_document(json.dumps(doc(ALLOW)))
    assert isinstance(parsed, Document)
    assert parsed.kind is PolicyKind.IDENTITY and parsed.version == "2012-10-17"
    (st,) = parsed.statements
    assert (st.effect, st.actions, st.resources, st.index) == (Effect.ALLOW, ("lambda:GetFunction",), (FN,), 0)
    assert st.not_actions is None and st.principal is None


@pytest.mark.parametrize("text", ["{not json", "", '{"Version": "2012-10-17",}', "[]", '"a string"'])
def test_invalid_json_is_refused(text):
    """Text that is not a JSON object is refused as invalid JSON.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_policies.html
    """
    assert error(text).message == "This policy contains invalid Json"


def test_duplicate_json_keys_are_a_syntax_error():
    """The grammar forbids the same key twice in one element.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    text = ('{"Version": "2012-10-17", "Statement": '
            '{"Effect": "Allow", "Effect": "Deny", "Action": "*", "Resource": "*"}}')
    assert error(text).message == "Syntax errors in policy."


def test_bytes_and_mapping_inputs_are_accepted():
    """The same document given as bytes or as a mapping parses alike.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    as_bytes = parse_document(json.dumps(doc(ALLOW)).encode())
    as_map = parse_document(doc(ALLOW))
    assert as_bytes.statements == as_map.statements


def test_statement_object_and_list_are_equivalent():
    """`Statement` may be a single object or an array of objects.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html
    """
    single = parse_document({"Version": "2012-10-17", "Statement": ALLOW})
    listed = parse_document(doc(ALLOW))
    assert single.statements == listed.statements


def test_single_value_and_array_forms_are_equivalent():
    """A single value may be given without brackets.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    listed = dict(ALLOW, Action=["lambda:GetFunction"], Resource=[FN])
    assert parse_document(doc(ALLOW)).statements == parse_document(doc(listed)).statements


def test_missing_statement_is_refused():
    """`Statement` is a required element.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html
    """
    assert error({"Version": "2012-10-17"}).message == "Missing required field Statement"


@pytest.mark.parametrize("statement", ["Allow", 7, [["nested"]]])
def test_statement_that_is_not_an_object_is_a_syntax_error(statement):
    """Each statement is a JSON object.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    assert error({"Version": "2012-10-17", "Statement": statement}).message == "Syntax errors in policy."


def test_unknown_top_level_field_is_a_syntax_error():
    """Only Version, Id and Statement may appear at the top level.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    assert error(doc(ALLOW, Comment="hello")).message == "Syntax errors in policy."


def test_unknown_statement_field_is_a_syntax_error_with_location():
    """A misspelt element (`Actions`) is refused, and the location names it.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    bad = error(doc({"Effect": "Allow", "Actions": "lambda:*", "Resource": "*"}))
    assert bad.message == "Syntax errors in policy."
    assert bad.location == "Statement[0].Actions"


# --- Version, Id, Sid, Effect -----------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "variables"), [("2012-10-17", True), ("2008-10-17", False), (None, False)])
def test_version_values_and_policy_variables(version, variables):
    """2012-10-17 enables policy variables; 2008-10-17 or no Version treats them as literal text.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    """
    document = {"Statement": [ALLOW]} if version is None else {"Version": version, "Statement": [ALLOW]}
    parsed = parse_document(document)
    assert parsed.version == version and parsed.variables is variables


def test_unknown_version_is_refused():
    """Version accepts only the two published dates.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    """
    assert error(doc(ALLOW, Version="2020-01-01")).message == "The policy failed legacy parsing"


def test_id_is_kept():
    """The optional Id element is kept (Lambda's GetPolicy returns "default").

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_id.html
    """
    parsed = parse_document(doc(resource_statement("*"), Id="default"), PolicyKind.RESOURCE)
    assert parsed.id == "default"


def test_missing_effect_is_refused():
    """Effect is required in every statement.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html
    """
    bad = error(doc({"Action": "lambda:*", "Resource": "*"}))
    assert (bad.message, bad.location) == ("Missing required field Effect", "Statement[0].Effect")


@pytest.mark.parametrize("effect", ["allow", "Permit", "DENY", True])
def test_effect_other_than_allow_or_deny_is_refused(effect):
    """Effect is exactly "Allow" or "Deny" (case-sensitive).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html
    """
    bad = error(doc(dict(ALLOW, Effect=effect)))
    assert bad.message == "The policy failed legacy parsing"
    assert bad.location == "Statement[0].Effect"


def test_alphanumeric_sids_are_kept():
    """A Sid of letters and digits is allowed and kept on the statement.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
    """
    parsed = parse_document(doc(dict(ALLOW, Sid="ReadOnly1"), dict(ALLOW, Sid="ReadOnly2")))
    assert [st.sid for st in parsed.statements] == ["ReadOnly1", "ReadOnly2"]


@pytest.mark.parametrize("sid", ["read-only", "read only", "read_only", "süd"])
def test_non_alphanumeric_sid_is_refused_in_iam_policies(sid):
    """IAM accepts only A-Z, a-z and 0-9 in a Sid.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
    """
    bad = error(doc(dict(ALLOW, Sid=sid)))
    assert bad.message.startswith("Statement IDs (SID) must be alpha-numeric.")
    assert bad.location == "Statement[0].Sid"


def test_lambda_statement_ids_may_hold_hyphens_and_underscores():
    """Lambda's StatementId pattern is ([a-zA-Z0-9-_]+), so function policies allow them.

    https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html
    """
    statement = dict(resource_statement({"Service": "s3.amazonaws.com"}), Sid="lambda-allow-s3_my-function")
    parsed = parse_document(doc(statement), PolicyKind.RESOURCE)
    assert parsed.statements[0].sid == "lambda-allow-s3_my-function"


def test_duplicate_sids_are_refused():
    """Sids must be unique within an IAM policy.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
    """
    bad = error(doc(dict(ALLOW, Sid="Same"), dict(ALLOW, Sid="Same")))
    assert bad.message == "Statement IDs (SID) in a single policy must be unique."
    assert bad.location == "Statement[1].Sid"


# --- Action / Resource ---------------------------------------------------------------------------------------


def test_missing_action_is_refused():
    """A statement needs Action or NotAction.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """
    assert error(doc({"Effect": "Allow", "Resource": "*"})).message == "Policy statement must contain actions."


def test_missing_resource_is_refused():
    """Identity and resource policies need Resource or NotResource.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    bad = error(doc({"Effect": "Allow", "Action": "lambda:*"}))
    assert bad.message == "Policy statement must contain resources."


@pytest.mark.parametrize(("one", "other"), [("Action", "NotAction"), ("Resource", "NotResource")])
def test_element_and_its_negation_together_are_a_syntax_error(one, other):
    """A statement holds Action or NotAction (Resource or NotResource), never both.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    statement = dict(ALLOW, **{other: ALLOW[one]})
    assert error(doc(statement)).message == "Syntax errors in policy."


def test_action_without_service_prefix_is_refused():
    """Actions are written service:ActionName.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """
    bad = error(doc(dict(ALLOW, Action="GetFunction")))
    assert bad.message == "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."


def test_resource_that_is_not_an_arn_is_refused():
    """Resource values are ARNs or "*".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    assert error(doc(dict(ALLOW, Resource="my-function"))).message == (
        'Resource my-function must be in ARN format or "*".')


@pytest.mark.parametrize("value", [[], 5, {"a": "b"}])
def test_empty_or_non_string_action_is_a_syntax_error(value):
    """Action is a string or a non-empty array of strings.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    assert error(doc(dict(ALLOW, Action=value))).message == "Syntax errors in policy."


# --- Principal ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("element", ["Principal", "NotPrincipal"])
def test_principal_in_identity_policy_is_refused(element):
    """Identity-based policies must not name a principal.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    bad = error(doc(dict(ALLOW, **{element: "*"})))
    assert bad.message == "Policy document should not specify a principal."


@pytest.mark.parametrize("kind", [PolicyKind.RESOURCE, PolicyKind.TRUST])
def test_missing_principal_in_resource_or_trust_policy_is_refused(kind):
    """Resource-based and trust policies must name a principal.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    if kind is PolicyKind.RESOURCE:
        statement["Resource"] = FN
    assert error(doc(statement), kind).message == "Missing required field Principal"


@pytest.mark.parametrize("element", ["Resource", "NotResource"])
def test_resource_in_trust_policy_is_refused(element):
    """A role trust policy has no Resource element (the role is the resource).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    bad = error(doc(dict(TRUST, **{element: "*"})), PolicyKind.TRUST)
    assert bad.message == f"Has prohibited field {element}"


def test_trust_policy_without_resource_parses():
    """The Lambda execution-role trust policy from the Lambda guide parses.

    https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
    """
    parsed = parse_document(doc(TRUST), PolicyKind.TRUST)
    st = parsed.statements[0]
    assert st.resources is None and st.principal == PrincipalBlock((("Service", ("lambda.amazonaws.com",)),))


def test_not_principal_in_trust_policy_is_refused():
    """NotPrincipal cannot be used in role trust policies.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """
    statement = {"Effect": "Allow", "NotPrincipal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}
    assert error(doc(statement), PolicyKind.TRUST).message == "Has prohibited field NotPrincipal"


def test_star_principal_is_the_same_as_aws_star():
    """"Principal": "*" is equivalent to {"AWS": "*"}.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    star = parse_document(doc(resource_statement("*")), PolicyKind.RESOURCE).statements[0]
    aws_star = parse_document(doc(resource_statement({"AWS": "*"})), PolicyKind.RESOURCE).statements[0]
    assert star.principal == aws_star.principal == PrincipalBlock((("AWS", ("*",)),))


@pytest.mark.parametrize("principal", [
    {"AWS": "123456789012"},
    {"AWS": "arn:aws:iam::123456789012:root"},
    {"AWS": "arn:aws:iam::123456789012:user/division/alice"},
    {"AWS": "arn:aws:iam::123456789012:role/service-role/example"},
    {"AWS": "arn:aws:sts::123456789012:assumed-role/examplerole/examplerolesessionname"},
    {"AWS": "arn:aws:sts::123456789012:federated-user/bob"},
    {"AWS": ["123456789012", "arn:aws:iam::111122223333:user/carol"]},
    {"Service": "sns.amazonaws.com"},
    {"Service": ["s3.amazonaws.com", "events.amazonaws.com"]},
    {"Federated": "cognito-identity.amazonaws.com"},
    {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
])
def test_documented_principal_forms_are_accepted(principal):
    """Every Principal form AWS documents: account, root, user, role, session, federated user, services.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    st = parse_document(doc(resource_statement(principal)), PolicyKind.RESOURCE).statements[0]
    for name, values in principal.items():
        assert st.principal.values(name) == ((values,) if isinstance(values, str) else tuple(values))


@pytest.mark.parametrize("principal", [
    {"AWS": "arn:aws:iam::123456789012:user/*"},
    {"AWS": "arn:aws:iam::123456789012:role/admin*"},
    {"AWS": "arn:aws:sts::123456789012:assumed-role/examplerole/*"},
    {"AWS": "1234567890"},
    {"AWS": "alice"},
    {"Service": "*"},
    {"AWS": "arn:aws:iam::123456789012:group/admins"},
])
def test_partial_wildcards_and_malformed_principals_are_refused(principal):
    """`*` only means everyone (no partial wildcards, no "Service": "*"); no bare names; groups are not principals.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    bad = error(doc(resource_statement(principal)), PolicyKind.RESOURCE)
    ((name, value),) = principal.items()
    assert bad.message == f'Invalid principal in policy: "{name}":"{value}"'


def test_unknown_principal_kind_is_refused():
    """Principal keys are AWS, Service, Federated or CanonicalUser.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    bad = error(doc(resource_statement({"User": "alice"})), PolicyKind.RESOURCE)
    assert bad.message.startswith("Invalid principal in policy:") and '"User"' in bad.message


# --- Condition ------------------------------------------------------------------------------------------------


def test_condition_block_is_split_into_clauses():
    """Each operator/key pair is one clause; qualifier and IfExists are split off the operator.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    condition = {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", "b*"]},
                 "Bool": {"aws:SecureTransport": True}}
    clauses = parse_document(doc(dict(ALLOW, Condition=condition))).statements[0].conditions
    first, second = clauses
    assert (first.base, first.qualifier, first.if_exists, first.key, first.values) == (
        "StringLike", "ForAnyValue", True, "aws:TagKeys", ("a*", "b*"))
    assert (second.base, second.qualifier, second.if_exists, second.values) == ("Bool", "", False, (True,))


@pytest.mark.parametrize("operator", ["StringEqualz", "NullIfExists", "ForSomeValues:StringEquals", "Equals"])
def test_unknown_condition_operator_is_refused(operator):
    """An operator IAM does not know is a validation error, never a silent match.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    bad = error(doc(dict(ALLOW, Condition={operator: {"aws:username": "alice"}})))
    assert bad.message == f"Invalid Condition type : {operator}"


def test_condition_key_without_prefix_is_refused():
    """Condition keys carry a service prefix (aws:, lambda:, ...).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    """
    bad = error(doc(dict(ALLOW, Condition={"StringEquals": {"username": "alice"}})))
    assert bad.message == "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."


@pytest.mark.parametrize("condition", [[], "StringEquals", {"StringEquals": {}}, {"StringEquals": {"aws:x": []}},
                                       {"StringEquals": {"aws:x": {"nested": "v"}}}])
def test_malformed_condition_block_is_a_syntax_error(condition):
    """Condition is {operator: {key: value | [values]}} with at least one value.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    assert error(doc(dict(ALLOW, Condition=condition))).message == "Syntax errors in policy."


def test_parse_policy_raises_the_same_error_as_parse_document():
    """parse_policy checks the grammar with the one parser.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    """
    with pytest.raises(MalformedPolicyDocument) as info:
        parse_policy(doc({"Effect": "Allow", "Resource": "*"}), policy_id="bad")
    assert info.value.message == "Policy statement must contain actions."
