"""validate_policy against the real catalog: one test per check, and real policies that must stay clean."""

from __future__ import annotations

import argparse
import io
import json
from typing import Any

import pytest

from lamina.catalog import Catalog, default_catalog
from lamina.commands import policy_validate
from lamina.policy import Finding, FindingType, validate_policy

ACCOUNT = "123456789012"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-function"
ERROR, SECURITY, WARNING, SUGGESTION = (FindingType.ERROR, FindingType.SECURITY_WARNING, FindingType.WARNING,
                                        FindingType.SUGGESTION)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def run(catalog: Catalog, statements: Any, kind: str = "identity", **top: Any) -> list[Finding]:
    document = {"Version": "2012-10-17", **top, "Statement": statements}
    return validate_policy(document, kind, catalog)


def allow(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def only(findings: list[Finding], code: str) -> Finding:
    hits = [f for f in findings if f.code == code]
    assert len(hits) == 1, findings
    return hits[0]


def condition(operator: str, key: str, value: Any, action: Any = "lambda:GetFunction",
              effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": "*", "Condition": {operator: {key: value}}}


# -- real policies stay clean -------------------------------------------------------------------

CLEAN = [
    ("identity", [allow(["logs:CreateLogGroup"], f"arn:aws:logs:us-east-1:{ACCOUNT}:*"),
                  allow(["logs:CreateLogStream", "logs:PutLogEvents"],
                        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/my-function:*")]),
    ("identity", [allow(["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"],
                        f"arn:aws:lambda:*:{ACCOUNT}:function:app-*",
                        Condition={"ForAllValues:StringEquals": {"lambda:SubnetIds": ["subnet-1", "subnet-2"]},
                                   "ForAllValues:StringLike": {"lambda:Layer": f"arn:aws:lambda:*:{ACCOUNT}:layer:*"}}),
                  {"Effect": "Deny", "Action": ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"],
                   "Resource": "*", "Condition": {"Null": {"lambda:VpcIds": "true"}}},
                  allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/lambda-ex",
                        Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
                  allow(["lambda:ListFunctions", "lambda:GetAccountSettings"])]),
    ("identity", [{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
                   "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]),
    ("identity", [allow(["lambda:InvokeFunction", "lambda:GetFunction"], f"arn:aws:lambda:*:{ACCOUNT}:function:*",
                        Condition={"StringEquals": {"aws:ResourceTag/Project": "${aws:PrincipalTag/Project}"}}),
                  allow("s3:ListBucket", "arn:aws:s3:::home",
                        Condition={"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}}),
                  allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*",
                        Condition={"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]},
                                   "DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"},
                                   "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
                                   "Bool": {"aws:SecureTransport": "true"}})]),
    ("resource", [{"Sid": "lambda-allow-s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                   "Action": "lambda:InvokeFunction", "Resource": FUNCTION,
                   "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT},
                                 "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::my-bucket"}}},
                  {"Sid": "FunctionURLAllowPublicAccess", "Effect": "Allow", "Principal": "*",
                   "Action": "lambda:InvokeFunctionUrl", "Resource": FUNCTION,
                   "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}},
                  {"Sid": "url", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
                   "Resource": FUNCTION, "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}}]),
    ("trust", [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
               {"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/x"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                              "StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/*"}}}]),
]


@pytest.mark.parametrize(("kind", "statements"), CLEAN)
def test_real_policies_have_no_findings(catalog: Catalog, kind: str, statements: Any) -> None:
    assert run(catalog, statements, kind) == []


# -- syntax -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("document", "code", "location"), [
    ('{"Statement": ', "JSON_SYNTAX_ERROR", ""),
    ({"Version": "2012-10-17"}, "MISSING_STATEMENT", "Statement"),
    ({"Statement": {"Action": "s3:*", "Resource": "*"}}, "MISSING_EFFECT", "Statement[0].Effect"),
    ({"Statement": {"Effect": "Allow", "Resource": "*"}}, "MISSING_ACTION", "Statement[0]"),
    ({"Version": "2013-01-01", "Statement": []}, "INVALID_VERSION", "Version"),
    ({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEq": {"a:b": "c"}}}},
     "INVALID_CONDITION_OPERATOR", "Statement[0].Condition.StringEq"),
])
def test_a_syntax_error_is_one_error_finding(catalog: Catalog, document: Any, code: str, location: str) -> None:
    [finding] = validate_policy(document, "identity", catalog)
    assert (finding.type, finding.code, finding.location) == (ERROR, code, location)


def test_principal_in_identity_policy_is_a_syntax_error(catalog: Catalog) -> None:
    [finding] = run(catalog, {**allow("s3:*"), "Principal": "*"})
    assert finding.code == "UNSUPPORTED_PRINCIPAL"
    assert finding.message == "Policy document should not specify a principal."


# -- document -----------------------------------------------------------------------------------

def test_missing_version(catalog: Catalog) -> None:
    findings = validate_policy({"Statement": allow("lambda:GetFunction")}, "identity", catalog)
    assert [(f.type, f.code, f.location) for f in findings] == [(WARNING, "MISSING_VERSION", "Version")]


@pytest.mark.parametrize("version", [None, "2008-10-17"])
def test_variables_without_the_2012_version(catalog: Catalog, version: str | None) -> None:
    statement = allow("s3:GetObject", ["arn:aws:s3:::b/x", "arn:aws:s3:::b/${aws:username}/*"])
    document = {"Statement": [statement]} | ({"Version": version} if version else {})
    finding = only(validate_policy(document, "identity", catalog), "VARIABLE_UNSUPPORTED_IN_VERSION")
    assert (finding.type, finding.location) == (WARNING, "Statement[0].Resource[1]")


def test_id_in_identity_policy_but_not_in_resource_policy(catalog: Catalog) -> None:
    assert codes(run(catalog, allow("lambda:GetFunction"), Id="x")) == ["ID_IN_IDENTITY_POLICY"]
    statement = {**allow("lambda:GetFunction", FUNCTION), "Principal": {"AWS": ACCOUNT}}
    assert run(catalog, statement, "resource", Id="default") == []


# -- actions ------------------------------------------------------------------------------------

def test_unknown_action_suggests_the_closest(catalog: Catalog) -> None:
    finding = only(run(catalog, allow(["lambda:GetFunction", "lambda:GetFunktion"])), "INVALID_ACTION")
    assert (finding.type, finding.location) == (ERROR, "Statement[0].Action[1]")
    assert finding.message == "The action lambda:GetFunktion does not exist. Did you mean lambda:GetFunction?"


def test_wildcard_matching_no_action(catalog: Catalog) -> None:
    finding = only(run(catalog, allow("lambda:Frobnicate*")), "INVALID_ACTION")
    assert finding.location == "Statement[0].Action"
    assert "matches no action" in finding.message


def test_unknown_service_in_action(catalog: Catalog) -> None:
    finding = only(run(catalog, allow("lamda:GetFunction")), "INVALID_SERVICE_IN_ACTION")
    assert finding.type is ERROR


def test_unknown_action_in_not_action(catalog: Catalog) -> None:
    statement = {"Effect": "Deny", "NotAction": ["iam:*", "iam:NoSuchThing"], "Resource": "*"}
    assert only(run(catalog, statement), "INVALID_ACTION").location == "Statement[0].NotAction[1]"


def test_wildcard_in_service_name(catalog: Catalog) -> None:
    assert only(run(catalog, allow("s?s:GetCallerIdentity")), "WILDCARD_IN_SERVICE_NAME").type is SUGGESTION


def test_action_names_are_case_insensitive(catalog: Catalog) -> None:
    assert run(catalog, allow(["LAMBDA:getfunction", "Lambda:List*"])) == []


def test_redundant_actions(catalog: Catalog) -> None:
    findings = run(catalog, allow(["lambda:Get*", "lambda:GetFunction", "lambda:List*", "lambda:list*"]))
    assert [(f.type, f.code, f.location) for f in findings] == [
        (SUGGESTION, "REDUNDANT_ACTION", "Statement[0].Action[1]"),
        (SUGGESTION, "REDUNDANT_ACTION", "Statement[0].Action[3]"),
    ]
    assert findings[0].message == "lambda:GetFunction is redundant: lambda:Get* already covers it."


def test_star_makes_every_other_action_redundant(catalog: Catalog) -> None:
    findings = run(catalog, allow(["*", "s3:GetObject"], "arn:aws:s3:::b/*"))
    assert only(findings, "REDUNDANT_ACTION").location == "Statement[0].Action[1]"


def test_a_question_mark_does_not_cover_a_star(catalog: Catalog) -> None:
    findings = run(catalog, allow(["lambda:?etFunction", "lambda:*etFunction"]))
    assert only(findings, "REDUNDANT_ACTION").location == "Statement[0].Action[0]"


# -- resources ----------------------------------------------------------------------------------

def test_arn_of_no_resource_type_of_its_service(catalog: Catalog) -> None:
    findings = run(catalog, allow("lambda:GetFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:functions/f"))
    finding = only(findings, "INVALID_ARN_RESOURCE")
    assert (finding.type, finding.location) == (ERROR, "Statement[0].Resource")
    assert "function" in finding.message


def test_iam_arns_take_no_region(catalog: Catalog) -> None:
    findings = run(catalog, allow("iam:GetRole", f"arn:aws:iam:us-east-1:{ACCOUNT}:role/x"))
    assert codes(findings) == ["INVALID_ARN_RESOURCE"]


def test_arn_that_no_action_of_the_statement_acts_on(catalog: Catalog) -> None:
    findings = run(catalog, allow("lambda:GetFunction", [FUNCTION, f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:l:1",
                                                          "arn:aws:s3:::bucket"]))
    assert [(f.type, f.code, f.location) for f in findings] == [
        (WARNING, "RESOURCE_TYPE_NOT_SUPPORTED_BY_ACTIONS", "Statement[0].Resource[1]"),
        (WARNING, "RESOURCE_TYPE_NOT_SUPPORTED_BY_ACTIONS", "Statement[0].Resource[2]"),
    ]
    assert "lambda:function" in findings[0].message


def test_qualified_and_wildcard_function_arns_match(catalog: Catalog) -> None:
    resources = [FUNCTION + ":1", FUNCTION + ":prod", "arn:aws:lambda:*:*:function:*", "arn:aws:lambda:*:*:*"]
    findings = run(catalog, allow(["lambda:InvokeFunction", "lambda:GetFunction"], resources))
    assert codes(findings) == ["REDUNDANT_RESOURCE"] * 3  # all covered by the last one


def test_actions_that_need_star_with_specific_arns(catalog: Catalog) -> None:
    findings = run(catalog, allow(["lambda:GetFunction", "lambda:ListFunctions"], FUNCTION))
    finding = only(findings, "RESOURCE_STAR_REQUIRED")
    assert (finding.type, finding.location) == (WARNING, "Statement[0].Action[1]")
    with_star = run(catalog, allow(["lambda:GetFunction", "lambda:ListFunctions"], [FUNCTION, "*"]))
    assert codes(with_star) == ["REDUNDANT_RESOURCE"]  # "*" covers the function, and serves ListFunctions


def test_redundant_resources(catalog: Catalog) -> None:
    arns = [f"arn:aws:iam::{ACCOUNT}:role/jane-admin", f"arn:aws:iam::{ACCOUNT}:role/jane*"]
    finding = only(run(catalog, allow("iam:GetRole", arns)), "REDUNDANT_RESOURCE")
    assert (finding.type, finding.location) == (SUGGESTION, "Statement[0].Resource[0]")


def test_not_resource_arns_are_checked_too(catalog: Catalog) -> None:
    statement = {"Effect": "Deny", "Action": "lambda:*", "NotResource": f"arn:aws:lambda:us-east-1:{ACCOUNT}:fn:x"}
    assert codes(run(catalog, statement)) == ["INVALID_ARN_RESOURCE"]


# -- condition keys -----------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "code"), [
    ("aws:SourceIP4", "INVALID_GLOBAL_CONDITION_KEY"),
    ("aws:ResourceTag", "MISSING_TAG_KEY_IN_CONDITION"),
    ("aws:RequestTag/", "MISSING_TAG_KEY_IN_CONDITION"),
    ("lambda:FunctionName", "INVALID_SERVICE_CONDITION_KEY"),
    ("saml:nosuchclaim", "INVALID_SERVICE_CONDITION_KEY"),
    ("lamda:Layer", "INVALID_SERVICE"),
])
def test_unknown_condition_keys(catalog: Catalog, key: str, code: str) -> None:
    finding = only(run(catalog, condition("StringEquals", key, "x")), code)
    assert (finding.type, finding.location) == (ERROR, f"Statement[0].Condition.StringEquals.{key}")


def test_condition_key_names_are_case_insensitive(catalog: Catalog) -> None:
    assert run(catalog, condition("IpAddress", "AWS:SOURCEIP", "10.0.0.0/8")) == []


def test_condition_key_not_supported_by_the_statements_actions(catalog: Catalog) -> None:
    findings = run(catalog, condition("ForAnyValue:StringLike", "lambda:Layer", "arn:*", action="lambda:GetFunction"))
    finding = only(findings, "CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS")
    assert (finding.type, finding.location) == (WARNING, "Statement[0].Condition.ForAnyValue:StringLike.lambda:Layer")
    assert "lambda:GetFunction" in finding.message
    ok = condition("ForAnyValue:StringLike", "lambda:Layer", "arn:*", action=["lambda:GetFunction", "lambda:Create*"])
    assert run(catalog, ok) == []  # one action of the statement supports it


def test_tag_keys_depend_on_the_action(catalog: Catalog) -> None:
    assert run(catalog, condition("StringEquals", "aws:ResourceTag/Team", "a", action="lambda:GetFunction")) == []
    findings = run(catalog, condition("StringEquals", "aws:RequestTag/Team", "a", action="lambda:GetFunction"))
    assert codes(findings) == ["CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS"]


def test_support_is_not_judged_for_star_or_not_action(catalog: Catalog) -> None:
    everything = run(catalog, condition("StringEquals", "iam:PassedToService", "x", action="*"))
    assert "CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS" not in codes(everything)
    statement = {"Effect": "Deny", "NotAction": "lambda:GetFunction", "Resource": "*",
                 "Condition": {"StringEquals": {"iam:PassedToService": "x"}}}
    assert run(catalog, statement) == []


def test_duplicate_keys_with_different_case(catalog: Catalog) -> None:
    statement = allow("lambda:GetFunction", Condition={"StringEquals": {"aws:PrincipalTag/a": "1",
                                                                        "aws:principaltag/A": "2"}})
    finding = only(run(catalog, statement), "DUPLICATE_KEYS_WITH_DIFFERENT_CASE")
    assert finding.location == "Statement[0].Condition.StringEquals.aws:principaltag/A"


# -- operator types -----------------------------------------------------------------------------

@pytest.mark.parametrize(("operator", "key", "value"), [
    ("NumericEquals", "aws:PrincipalAccount", "1"),  # Numeric on String
    ("Bool", "aws:PrincipalType", "true"),  # Bool on String
    ("StringEquals", "aws:SecureTransport", "true"),  # String on Bool
    ("IpAddress", "aws:PrincipalAccount", "10.0.0.0/8"),  # IP on String
    ("StringLike", "aws:SourceIp", "10.*"),  # String on IP
    ("DateGreaterThan", "aws:MultiFactorAuthAge", "2026-01-01"),  # Date on Numeric
    ("NumericLessThan", "aws:CurrentTime", "5"),  # Numeric on Date
    ("ArnLike", "aws:PrincipalAccount", "arn:*"),  # ARN on String
])
def test_operator_of_the_wrong_type(catalog: Catalog, operator: str, key: str, value: str) -> None:
    finding = only(run(catalog, condition(operator, key, value)), "TYPE_MISMATCH")
    assert (finding.type, finding.location) == (WARNING, f"Statement[0].Condition.{operator}.{key}")


@pytest.mark.parametrize(("operator", "key", "value"), [
    ("StringEquals", "aws:PrincipalArn", "arn:aws:iam::123456789012:root"),  # ARN keys take string operators
    ("NumericLessThan", "aws:EpochTime", "1700000000"),  # EpochTime is Date and Numeric
    ("DateLessThan", "aws:EpochTime", "2026-01-01"),
    ("Null", "aws:SourceIp", "true"),  # Null fits every key
    ("BoolIfExists", "aws:MultiFactorAuthPresent", "false"),
    ("ArnLike", "lambda:FunctionArn", "arn:aws:lambda:*"),
])
def test_operators_of_the_right_type(catalog: Catalog, operator: str, key: str, value: str) -> None:
    action = "lambda:GetEventSourceMapping" if key == "lambda:FunctionArn" else "lambda:GetFunction"
    assert run(catalog, condition(operator, key, value, action=action)) == []


# -- values -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("operator", "key", "value", "code"), [
    ("NumericLessThan", "aws:MultiFactorAuthAge", "an hour", "TYPE_MISMATCH_NUMBER"),
    ("DateGreaterThan", "aws:CurrentTime", "tomorrow", "TYPE_MISMATCH_DATE"),
    ("Bool", "aws:SecureTransport", "yes", "TYPE_MISMATCH_BOOLEAN"),
    ("Null", "aws:SourceIp", "maybe", "TYPE_MISMATCH_BOOLEAN"),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/33", "TYPE_MISMATCH_IP_RANGE"),
    ("NotIpAddress", "aws:SourceIp", "not-an-ip", "TYPE_MISMATCH_IP_RANGE"),
])
def test_unreadable_values(catalog: Catalog, operator: str, key: str, value: str, code: str) -> None:
    finding = only(run(catalog, condition(operator, key, [value])), code)
    assert (finding.type, finding.location) == (WARNING, f"Statement[0].Condition.{operator}.{key}[0]")


def test_binary_values_must_be_base64(catalog: Catalog) -> None:
    findings = run(catalog, condition("BinaryEquals", "aws:PrincipalTag/k", "not base64!"))
    assert "TYPE_MISMATCH_STRING" in codes(findings)


def test_json_booleans_and_numbers_are_read_as_text(catalog: Catalog) -> None:
    assert run(catalog, condition("Bool", "aws:SecureTransport", True)) == []
    assert run(catalog, condition("NumericLessThan", "aws:MultiFactorAuthAge", 3600)) == []


def test_host_bits_in_a_cidr(catalog: Catalog) -> None:
    finding = only(run(catalog, condition("IpAddress", "aws:SourceIp", "10.1.2.3/16")), "IMPROVE_IP_RANGE")
    assert finding.type is SUGGESTION and "10.1.0.0/16" in finding.message


def test_several_booleans(catalog: Catalog) -> None:
    finding = only(run(catalog, condition("Bool", "aws:SecureTransport", ["true", "false"])),
                   "INVALID_CONDITION_MULTIPLE_BOOLEAN")
    assert finding.type is ERROR


def test_wildcard_without_like(catalog: Catalog) -> None:
    finding = only(run(catalog, condition("StringEquals", "aws:PrincipalTag/job", "admin-*")),
                   "WILDCARD_WITHOUT_LIKE_OPERATOR")
    assert finding.type is WARNING and "StringLike" in finding.message
    assert run(catalog, condition("StringEquals", "aws:PrincipalTag/job", "a${*}b")) == []  # an escaped star


def test_variables_only_in_string_and_arn_operators(catalog: Catalog) -> None:
    findings = run(catalog, condition("NumericEquals", "aws:MultiFactorAuthAge", "${aws:PrincipalTag/age}"))
    assert codes(findings) == ["INVALID_VARIABLE_FOR_OPERATOR"]
    assert run(catalog, condition("StringEquals", "aws:PrincipalTag/a", "${aws:username}")) == []


# -- set operators ------------------------------------------------------------------------------

def test_for_all_values_with_a_single_valued_key(catalog: Catalog) -> None:
    allowed = only(run(catalog, condition("ForAllValues:StringEquals", "aws:PrincipalTag/a", "x")),
                   "FORALLVALUES_WITH_SINGLE_VALUED_KEY")
    assert allowed.type is SECURITY
    denied = only(run(catalog, condition("ForAllValues:StringEquals", "aws:PrincipalTag/a", "x", effect="Deny")),
                  "FORALLVALUES_WITH_SINGLE_VALUED_KEY")
    assert denied.type is WARNING


def test_for_any_value_with_a_single_valued_key(catalog: Catalog) -> None:
    finding = only(run(catalog, condition("ForAnyValue:StringEquals", "aws:PrincipalTag/a", "x")),
                   "FORANYVALUE_WITH_SINGLE_VALUED_KEY")
    assert finding.type is WARNING


def test_multivalued_key_without_set_operator(catalog: Catalog) -> None:
    statement = condition("StringEquals", "aws:TagKeys", "team", action="lambda:TagResource")
    assert only(run(catalog, statement), "MULTIVALUED_KEY_WITHOUT_SET_OPERATOR").type is WARNING
    assert run(catalog, condition("ForAnyValue:StringEquals", "aws:TagKeys", "t", action="lambda:TagResource")) == []
    assert run(catalog, condition("Null", "aws:TagKeys", "false", action="lambda:TagResource")) == []


# -- over-broad grants --------------------------------------------------------------------------

def test_allow_with_not_action_and_not_resource(catalog: Catalog) -> None:
    findings = run(catalog, {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret"})
    assert [(f.type, f.code) for f in findings] == [
        (SECURITY, "ALLOW_WITH_NOT_ACTION"), (SECURITY, "ALLOW_WITH_NOT_RESOURCE")]


def test_allow_with_not_principal(catalog: Catalog) -> None:
    statement = {**allow("lambda:GetFunction", FUNCTION), "NotPrincipal": {"AWS": ACCOUNT}}
    assert codes(run(catalog, statement, "resource")) == ["ALLOW_WITH_NOT_PRINCIPAL"]


def test_deny_with_not_action_is_fine(catalog: Catalog) -> None:
    assert run(catalog, {"Effect": "Deny", "NotAction": "lambda:Get*", "NotResource": FUNCTION}) == []


def test_allow_everything(catalog: Catalog) -> None:
    findings = run(catalog, allow("*"))
    assert only(findings, "ALLOW_STAR_ACTION_STAR_RESOURCE").type is SECURITY
    assert only(findings, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE").type is SECURITY


@pytest.mark.parametrize(("statement", "code"), [
    (allow("iam:PassRole"), "PASS_ROLE_WITH_STAR_IN_RESOURCE"),
    (allow("iam:PassRole", "arn:aws:iam::*:role/*"), "PASS_ROLE_WITH_STAR_IN_RESOURCE"),
    (allow(["lambda:CreateFunction", "iam:Pass*"]), "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE"),
    ({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}, "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION"),
    ({"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::123456789012:role/admin"},
     "PASS_ROLE_WITH_NOT_RESOURCE"),
])
def test_pass_role_on_every_role(catalog: Catalog, statement: dict[str, Any], code: str) -> None:
    assert only(run(catalog, statement), code).type is SECURITY


def test_pass_role_scoped_by_role_or_service_is_fine(catalog: Catalog) -> None:
    assert run(catalog, allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/lambda-*")) == []
    scoped = allow("iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})
    assert run(catalog, scoped) == []
    assert run(catalog, {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}) == []


# -- redundant statements -----------------------------------------------------------------------

def test_duplicate_statements(catalog: Catalog) -> None:
    first = {"Sid": "A", **allow(["lambda:GetFunction", "lambda:ListFunctions"])}
    again = {"Sid": "B", **allow(["lambda:listfunctions", "lambda:GetFunction"])}
    finding = only(run(catalog, [first, again]), "REDUNDANT_STATEMENT")
    assert (finding.type, finding.location) == (SUGGESTION, "Statement[1]")
    assert finding.message.startswith("B repeats A")
    assert run(catalog, [first, {**again, "Effect": "Deny"}]) == []


# -- the command line ---------------------------------------------------------------------------

def _cli(tmp_path: Any, document: Any, *flags: str) -> tuple[int, str]:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(document))
    parser = argparse.ArgumentParser()
    policy_validate.add_parser(parser.add_subparsers())
    args = parser.parse_args(["validate", str(path), *flags])
    out = io.StringIO()
    return args.run(args, stdout=out), out.getvalue()


def test_cli_text_output_and_exit_code(tmp_path: Any) -> None:
    status, out = _cli(tmp_path, {"Statement": allow(["lambda:GetFunktion", "iam:PassRole"])})
    lines = out.splitlines()
    assert status == 1
    assert lines[0].endswith("policy.json:Version: WARNING MISSING_VERSION: " + lines[0].split(": ", 2)[2])
    assert any(":Statement[0].Action[0]: ERROR INVALID_ACTION: The action" in line for line in lines)
    assert lines[-1].endswith("policy.json: 1 error, 1 security warning, 1 warning")


def test_cli_json_and_clean_exit(tmp_path: Any) -> None:
    document = {"Version": "2012-10-17", "Statement": allow("lambda:GetFunction", FUNCTION)}
    status, out = _cli(tmp_path, document, "--json")
    assert (status, json.loads(out)["findings"]) == (0, [])
    status, out = _cli(tmp_path, {"Version": "2012-10-17", "Statement": allow("iam:PassRole")}, "--json")
    assert status == 0
    assert json.loads(out)["findings"][0] == {
        "type": "SECURITY_WARNING", "code": "PASS_ROLE_WITH_STAR_IN_RESOURCE", "location": "Statement[0].Resource",
        "message": json.loads(out)["findings"][0]["message"]}


def test_cli_reads_stdin_and_trust_kind() -> None:
    trust = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}}
    args = argparse.Namespace(file="-", kind="trust", json=False)
    out = io.StringIO()
    assert policy_validate.run(args, stdin=io.StringIO(json.dumps(trust)), stdout=out) == 0
    assert out.getvalue() == "<stdin>: no findings\n"


def test_an_overflowing_number_is_reported_as_no_number(catalog: Catalog) -> None:
    """``1e999999`` overflows JSON's float to infinity; the finding names it as written."""
    text = json.dumps({"Version": "2012-10-17", "Statement": [
        condition("NumericLessThan", "aws:MultiFactorAuthAge", 1)]}).replace('": 1}', '": 1e999999}')
    assert "1e999999" in text
    finding = only(validate_policy(text, "identity", catalog), "TYPE_MISMATCH_NUMBER")
    assert "'1e999999' is not a number" in finding.message
    assert only(run(catalog, condition("NumericLessThan", "aws:MultiFactorAuthAge", "1e999999")),
                "TYPE_MISMATCH_NUMBER")
