"""``lamina policy simulate`` through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lamina.cli import main
from lamina.policy import Principal, PrincipalType

SCENARIOS = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "scenarios.json"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:my-function"
MATEO = "arn:aws:iam::123456789012:user/mateojackson"


def _write(tmp_path: Path, name: str, document: dict) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def _statement(effect: str, action: str, resource: str = "*", **extra: object) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": action, "Resource": resource,
                                                     **extra}]}


def test_denied_request_prints_aws_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = _write(tmp_path, "list.json", _statement("Allow", "lambda:ListFunctions"))
    code = main(["policy", "simulate", "--principal", MATEO, "--action", "lambda:GetFunction",
                 "--resource", FUNCTION, "--policy", policy])
    out = capsys.readouterr().out
    assert code == 0
    assert "request: ImplicitDeny" in out
    assert (f"User: {MATEO} is not authorized to perform: lambda:GetFunction on resource: {FUNCTION} "
            "because no identity-based policy allows the lambda:GetFunction action") in out


def test_explicit_deny_names_statement_in_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    allow = _write(tmp_path, "allow.json", _statement("Allow", "lambda:*"))
    deny = _write(tmp_path, "deny.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "NoOffice", "Effect": "Deny", "Action": "lambda:*", "Resource": "*",
         "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]})
    main(["policy", "simulate", "--principal", MATEO, "--action", "lambda:GetFunction", "--resource",
          FUNCTION, "--policy", allow, "--policy", deny, "--context", "aws:SourceIp=203.0.113.9", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert result["outcome"] == "ExplicitDeny"
    assert result["reasons"] == [{"policy": "deny.json", "type": "identity-based policy", "statement": "NoOffice",
                                  "effect": "Deny"}]
    assert result["message"].endswith("with an explicit deny in an identity-based policy")


def test_repeated_context_key_is_multivalued(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = _write(tmp_path, "tags.json", _statement("Allow", "lambda:TagResource", Condition={
        "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}))
    args = ["policy", "simulate", "--principal", MATEO, "--action", "lambda:TagResource", "--resource",
            FUNCTION, "--policy", policy, "--json", "--context", "aws:TagKeys=team"]
    main([*args, "--context", "aws:TagKeys=env"])
    assert json.loads(capsys.readouterr().out)["outcome"] == "Allow"
    main([*args, "--context", "aws:TagKeys=owner"])
    assert json.loads(capsys.readouterr().out)["outcome"] == "ImplicitDeny"


def test_malformed_policy_exits_2_with_aws_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _write(tmp_path, "bad.json", {"Version": "2012-10-17", "Statement": [{"Action": "s3:*", "Resource": "*"}]})
    code = main(["policy", "simulate", "--principal", MATEO, "--action", "s3:GetObject", "--policy", bad])
    assert code == 2
    assert "MalformedPolicyDocument: Missing required field Effect" in capsys.readouterr().err


def test_case_file_through_installed_command() -> None:
    """The console script runs the reference scenarios and every expected outcome holds."""
    lamina = Path(sys.executable).with_name("lamina")
    done = subprocess.run([str(lamina), "policy", "simulate", "--cases", str(SCENARIOS)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "60 of 60 cases as expected" in done.stdout


def test_case_file_mismatch_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = _write(tmp_path, "cases.json", {
        "identity_policies": [{"name": "p", "policy": _statement("Allow", "lambda:GetFunction")}],
        "requests": [{"id": "wrong", "principal": MATEO, "action": "lambda:GetFunction", "resource": FUNCTION,
                      "expected": "ImplicitDeny"}]})
    assert main(["policy", "simulate", "--cases", cases]) == 1
    assert "MISMATCH (expected ImplicitDeny)" in capsys.readouterr().out


@pytest.mark.parametrize(("arn", "kind", "role"), [
    (MATEO, PrincipalType.USER, None),
    ("arn:aws:iam::123456789012:root", PrincipalType.ROOT, None),
    ("arn:aws:sts::123456789012:assumed-role/deploy/ci", PrincipalType.ASSUMED_ROLE,
     "arn:aws:iam::123456789012:role/deploy"),
    ("arn:aws:sts::123456789012:federated-user/bob", PrincipalType.FEDERATED_USER, None),
    ("sns.amazonaws.com", PrincipalType.SERVICE, None),
    ("anonymous", PrincipalType.ANONYMOUS, None),
])
def test_principal_from_arn(arn: str, kind: PrincipalType, role: str | None) -> None:
    principal = Principal.from_arn(arn)
    assert principal.type is kind
    assert principal.role_arn == role


def test_principal_from_arn_refuses_non_principals() -> None:
    with pytest.raises(ValueError, match="not a principal ARN"):
        Principal.from_arn("arn:aws:lambda:us-east-1:123456789012:function:f")
