"""The console over plain HTTP (no browser): sign-in, sessions, CSRF, headers, cookie flags, the gate.

Every request here comes from 127.0.0.1, and one address may fail 20 sign-ins in 15 minutes: this
module's tests fail 14 in all, so a new test with failing sign-ins belongs in a module of its own
(each module has its own server)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pyotp
import pytest
from console_support import ConsoleClient, console_user, create_function, function_zip

from lamina.pytest_plugin import LaminaServer

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
DENIAL = ("User: arn:aws:iam::{account}:user/mateojackson is not authorized to perform: lambda:GetFunction on "
          "resource: arn:aws:lambda:{region}:{account}:function:my-function because no identity-based policy allows "
          "the lambda:GetFunction action")


@pytest.fixture(scope="module", autouse=True)
def seeded(server: LaminaServer) -> None:
    console_user(server, "admin", "Admin-Pass-123", (ADMIN,))
    console_user(server, "mateojackson", "Mateo-Pass-123")
    console_user(server, "newbie", "Newbie-Pass-123", (ADMIN,), reset=True)
    console_user(server, "throttled", "Right-Pass-123")
    create_function(server, "my-function")


def test_sign_in_page_is_served_with_security_headers(server: LaminaServer) -> None:
    page = ConsoleClient(server).get("")
    assert page.status_code == 200
    assert "<h1>Sign in</h1>" in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    assert "<script>" not in page.text  # every script is a file: CSP allows no inline script


def test_static_assets_come_from_the_package(server: LaminaServer) -> None:
    client = ConsoleClient(server)
    assert client.get("/static/console.css").headers["Content-Type"].startswith("text/css")
    assert client.get("/static/console.js").status_code == 200
    assert client.get("/static/..%2Fapp.py").status_code == 404
    assert client.get("/static/missing.css").status_code == 404


def test_sign_in_sets_a_strict_http_only_cookie_and_signs_out(server: LaminaServer) -> None:
    client = ConsoleClient(server)
    answer = client.sign_in(server.account_id, "admin", "Admin-Pass-123")
    assert answer.status_code == 200 and "Console home" in answer.text
    cookie = answer.history[0].headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP here; over TLS the flag is added
    assert f"arn:aws:iam::{server.account_id}:user/admin" in answer.text
    out = client.post("/signout", {})
    assert "<h1>Sign in</h1>" in out.text
    assert "<h1>Sign in</h1>" in client.get("/lambda/functions").text  # the session is gone


@pytest.mark.parametrize(("account", "user", "password"), [
    ("{account}", "admin", "wrong-password"), ("{account}", "nobody", "Admin-Pass-123"),
    ("999999999999", "admin", "Admin-Pass-123"), ("no-such-alias", "admin", "Admin-Pass-123"),
])
def test_every_wrong_credential_gets_one_generic_message(server: LaminaServer, account: str, user: str,
                                                         password: str) -> None:
    answer = ConsoleClient(server).sign_in(account.format(account=server.account_id), user, password)
    assert answer.status_code == 401
    assert "Your authentication information is incorrect. Please try again." in answer.text
    assert "lamina-console=" not in answer.headers.get("Set-Cookie", "")


def test_sign_in_by_account_alias(server: LaminaServer) -> None:
    server.client("iam").create_account_alias(AccountAlias="console-tests")
    answer = ConsoleClient(server).sign_in("console-tests", "admin", "Admin-Pass-123")
    assert "admin @ console-tests" in answer.text


def test_a_form_without_its_csrf_token_is_refused(server: LaminaServer) -> None:
    client = ConsoleClient(server)
    client.sign_in(server.account_id, "admin", "Admin-Pass-123")
    refused = client.post("/iam/users", {"name": "csrf-victim"}, csrf=False)
    assert refused.status_code == 403
    forged = client.post("/iam/users", {"name": "csrf-victim", "csrf": "forged"}, csrf=False)
    assert forged.status_code == 403
    names = [user["UserName"] for user in server.client("iam").list_users()["Users"]]
    assert "csrf-victim" not in names
    signin = ConsoleClient(server)
    assert signin.post("/signin", {"account": server.account_id, "username": "admin",
                                   "password": "Admin-Pass-123"}, csrf=False).status_code == 403


def test_the_gate_denies_in_aws_words_and_says_why(server: LaminaServer) -> None:
    client = ConsoleClient(server)
    client.sign_in(server.account_id, "mateojackson", "Mateo-Pass-123")
    page = client.get("/lambda/functions/my-function")
    expected = DENIAL.format(account=server.account_id, region=server.region)
    assert expected in page.text.replace("&#39;", "'")
    assert "no statement allows" in page.text.lower()
    assert re.search(r'href="/console/simulator\?principal=arn%3Aaws%3Aiam%3A%3A\d+%3Auser%2Fmateojackson&amp;'
                     r'action=lambda%3AGetFunction', page.text)


def test_the_administrator_sees_the_function_and_invokes_it(server: LaminaServer) -> None:
    client = ConsoleClient(server)
    client.sign_in(server.account_id, "admin", "Admin-Pass-123")
    page = client.get("/lambda/functions/my-function")
    assert "Code SHA-256" in page.text and "Access denied" not in page.text
    client.get("/lambda/functions/my-function")
    invoked = client.post("/lambda/functions/my-function/invoke", {"event": '{"name": "console"}'})
    assert "Execution result: succeeded" in invoked.text
    assert "{&#34;hello&#34;: &#34;console&#34;}" in invoked.text or '"hello": "console"' in invoked.text
    assert "hello from console" in invoked.text  # the log tail


def test_a_required_password_reset_comes_first(server: LaminaServer) -> None:
    client = ConsoleClient(server)
    answer = client.sign_in(server.account_id, "newbie", "Newbie-Pass-123")
    assert "Change password" in answer.text
    assert "Change password" in client.get("/iam/users").text  # every page leads here until it is done
    done = client.post("/password", {"old": "Newbie-Pass-123", "new": "Newbie-Pass-456", "confirm": "Newbie-Pass-456"})
    assert "Console home" in done.text
    assert server.client("iam").get_login_profile(UserName="newbie")["LoginProfile"]["PasswordResetRequired"] is False
    assert "Console home" in ConsoleClient(server).sign_in(server.account_id, "newbie", "Newbie-Pass-456").text


def test_wrong_passwords_lock_the_user_out_for_a_while(server: LaminaServer) -> None:
    client = ConsoleClient(server)
    for _ in range(5):
        assert "authentication information is incorrect" in client.sign_in(
            server.account_id, "throttled", "Wrong-Pass-000").text
    locked = client.sign_in(server.account_id, "throttled", "Right-Pass-123")
    assert locked.status_code == 401
    assert "exceeded the maximum number of sign-in attempts" in locked.text


def test_sign_in_attempts_are_in_the_audit_trail(server: LaminaServer) -> None:
    client = ConsoleClient(server)
    client.sign_in(server.account_id, "admin", "Admin-Pass-123")
    page = client.get("/audit", params={"action": "signin:ConsoleLogin"})
    assert page.status_code == 200
    assert "Success" in page.text and "Failure" in page.text
    assert "Admin-Pass-123" not in page.text and "Wrong-Pass" not in page.text


@pytest.mark.parametrize("path", ["/home", "/iam/users", "/iam/users/mateojackson", "/iam/groups", "/iam/roles",
                                  "/lambda/create",
                                  "/iam/roles/my-function-role", "/iam/policies", "/lambda/functions",
                                  "/simulator", "/audit"])
def test_every_page_renders_for_the_administrator(server: LaminaServer, path: str) -> None:
    client = ConsoleClient(server)
    client.sign_in(server.account_id, "admin", "Admin-Pass-123")
    page = client.get(path)
    assert page.status_code == 200, page.text
    assert "<h1>" in page.text and "Access denied" not in page.text


@pytest.mark.parametrize("path", ["/iam/users", "/iam/roles", "/iam/policies", "/lambda/functions", "/audit"])
def test_a_user_without_permissions_meets_denials_not_errors(server: LaminaServer, path: str) -> None:
    client = ConsoleClient(server)
    client.sign_in(server.account_id, "mateojackson", "Mateo-Pass-123")
    page = client.get(path)
    assert page.status_code in (200, 403)
    assert "is not authorized to perform" in page.text


def test_no_page_after_its_creation_shows_a_secret(server: LaminaServer) -> None:
    client = ConsoleClient(server)
    client.sign_in(server.account_id, "admin", "Admin-Pass-123")
    server.client("iam").create_user(UserName="secret-keeper")
    created = client.post("/iam/users/secret-keeper/keys", {})
    secret = re.search(r'data-testid="new-key-secret">([^<]+)<', created.text)
    assert secret is not None
    assert secret.group(1) not in client.get("/iam/users/secret-keeper").text
    assert secret.group(1) not in client.get("/audit").text
    assert secret.group(1) not in server.log()


def test_the_root_user_signs_in_once_given_a_password(server: LaminaServer) -> None:
    form = {"account": server.account_id, "username": "", "password": "Root-Pass-1234", "kind": "root"}
    client = ConsoleClient(server)
    client.get("")
    assert client.post("/signin", form).status_code == 401  # root has no console password by default
    command = [str(Path(sys.executable).with_name("lamina")), "accounts", "set-root-password", server.account_id,
               "--password-stdin", "--data-dir", str(server.data_dir)]
    done = subprocess.run(command, input="Root-Pass-1234\n", capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Root-Pass-1234" not in done.stderr + done.stdout
    home = client.post("/signin", form)
    assert f"arn:aws:iam::{server.account_id}:root" in home.text
    assert "root @ " in home.text
    assert client.get("/iam/users").status_code == 200  # root may do anything in its account


def test_a_user_with_an_mfa_device_needs_its_code(server: LaminaServer) -> None:
    iam = server.client("iam")
    console_user(server, "mfa-user", "Mfa-Pass-1234")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="mfa-user")["VirtualMFADevice"]
    seed = device["Base32StringSeed"].decode() if isinstance(device["Base32StringSeed"], bytes) \
        else device["Base32StringSeed"]
    totp = pyotp.TOTP(seed)
    now = time.time()
    iam.enable_mfa_device(UserName="mfa-user", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=totp.at(now - 60), AuthenticationCode2=totp.at(now - 30))
    without = ConsoleClient(server).sign_in(server.account_id, "mfa-user", "Mfa-Pass-1234")
    assert without.status_code == 401 and "authentication information is incorrect" in without.text
    code = totp.at(now)
    with_code = ConsoleClient(server).sign_in(server.account_id, "mfa-user", "Mfa-Pass-1234", code)
    assert "Console home" in with_code.text
    replayed = ConsoleClient(server).sign_in(server.account_id, "mfa-user", "Mfa-Pass-1234", code)
    assert replayed.status_code == 401  # a code is good once


def test_a_function_is_created_from_a_zip_and_pass_role_applies(server: LaminaServer) -> None:
    iam = server.client("iam")
    role_arn = iam.get_role(RoleName="my-function-role")["Role"]["Arn"]
    console_user(server, "builder", "Builder-Pass-123", ("arn:aws:iam::aws:policy/AWSLambda_FullAccess",))
    iam.put_user_policy(UserName="builder", PolicyName="no-pass", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Sid": "NoPassingRoles", "Effect": "Deny", "Action": "iam:PassRole",
                                                "Resource": "*"}]}))
    form = {"name": "uploaded", "runtime": "python3.12", "handler": "index.handler", "role": role_arn}
    files = {"code": ("function.zip", function_zip(), "application/zip")}
    builder = ConsoleClient(server)
    builder.sign_in(server.account_id, "builder", "Builder-Pass-123")
    builder.get("/lambda/create")
    denied = builder.post("/lambda/create", form, files=files)
    assert denied.status_code == 400
    assert (f"User: arn:aws:iam::{server.account_id}:user/builder is not authorized to perform: iam:PassRole on "
            f"resource: {role_arn} with an explicit deny in an identity-based policy") in denied.text
    assert "NoPassingRoles" in denied.text  # the deciding statement, beside the sentence
    admin = ConsoleClient(server)
    admin.sign_in(server.account_id, "admin", "Admin-Pass-123")
    admin.get("/lambda/create")
    created = admin.post("/lambda/create", form, files=files)
    assert created.status_code == 200 and "Code SHA-256" in created.text
    assert server.client("lambda").get_function(FunctionName="uploaded")["Configuration"]["Role"] == role_arn


def test_configuration_and_code_are_edited(server: LaminaServer) -> None:
    admin = ConsoleClient(server)
    admin.sign_in(server.account_id, "admin", "Admin-Pass-123")
    admin.get("/lambda/functions/my-function")
    saved = admin.post("/lambda/functions/my-function/configuration",
                       {"handler": "index.handler", "description": "edited in the console", "memory": "256",
                        "timeout": "9"})
    assert "The function&#39;s configuration was updated." in saved.text
    config = server.client("lambda").get_function_configuration(FunctionName="my-function")
    assert (config["Description"], config["MemorySize"], config["Timeout"]) == ("edited in the console", 256, 9)
    before = config["CodeSha256"]
    admin.get("/lambda/functions/my-function")
    source = {"index.py": "def handler(event, context):\n    return 'new code'\n"}
    uploaded = admin.post("/lambda/functions/my-function/code", {},
                          files={"code": ("new.zip", function_zip(source), "application/zip")})
    assert "The function&#39;s code was updated." in uploaded.text
    server.client("lambda").get_waiter("function_updated_v2").wait(FunctionName="my-function")
    assert server.client("lambda").get_function_configuration(FunctionName="my-function")["CodeSha256"] != before


def test_groups_membership_boundaries_and_role_policies(server: LaminaServer) -> None:
    iam = server.client("iam")
    iam.create_user(UserName="grouped")
    admin = ConsoleClient(server)
    admin.sign_in(server.account_id, "admin", "Admin-Pass-123")
    admin.get("/iam/groups")
    assert "developers" in admin.post("/iam/groups", {"name": "developers"}).text
    read_only = "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess"
    attached = admin.post("/iam/groups/developers/policies", {"do": "attach", "policy_arn": read_only})
    assert "AWSLambda_ReadOnlyAccess" in attached.text
    admin.get("/iam/users/grouped")
    joined = admin.post("/iam/users/grouped/groups", {"do": "add", "group": "developers"})
    assert 'href="/console/iam/groups/developers"' in joined.text
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="grouped")["Groups"]] == ["developers"]
    bounded = admin.post("/iam/users/grouped/boundary", {"boundary_arn": read_only})
    assert iam.get_user(UserName="grouped")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == read_only
    assert f"<code>{read_only}</code>" in bounded.text
    admin.post("/iam/users/grouped/boundary", {"boundary_arn": ""})
    assert "PermissionsBoundary" not in iam.get_user(UserName="grouped")["User"]
    admin.get("/iam/roles/my-function-role")
    admin.post("/iam/roles/my-function-role/policies", {"do": "attach", "policy_arn": read_only})
    policies = iam.list_attached_role_policies(RoleName="my-function-role")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in policies] == [read_only]
    admin.post("/iam/roles/my-function-role/policies", {"do": "detach", "policy_arn": read_only})
    assert iam.list_attached_role_policies(RoleName="my-function-role")["AttachedPolicies"] == []
    missing = admin.post("/iam/users/grouped/groups", {"do": "add", "group": "no-such-group"})
    assert missing.status_code == 400 and "NoSuchEntity" in missing.text


def test_a_signed_in_browser_opening_the_console_goes_home(server: LaminaServer) -> None:
    client = ConsoleClient(server)
    client.sign_in(server.account_id, "admin", "Admin-Pass-123")
    assert "Console home" in client.get("").text
    assert "Console home" in client.get("/signin").text


def test_the_forced_password_change_honours_the_password_policy(server: LaminaServer) -> None:
    iam = server.client("iam")
    console_user(server, "policied", "Policied-Pass-1", (ADMIN,), reset=True)
    iam.update_account_password_policy(MinimumPasswordLength=20, RequireSymbols=True)
    try:
        client = ConsoleClient(server)
        client.sign_in(server.account_id, "policied", "Policied-Pass-1")
        short = client.post("/password", {"old": "Policied-Pass-1", "new": "Short-1", "confirm": "Short-1"})
        assert short.status_code == 400 and "PasswordPolicyViolation" in short.text
        assert "Change password" in client.get("/home").text  # still required
        mismatch = client.post("/password", {"old": "Policied-Pass-1", "new": "A-Long-Enough-Pass-#1",
                                             "confirm": "Another-Long-Pass-#1"})
        assert "The new passwords do not match." in mismatch.text
        done = client.post("/password", {"old": "Policied-Pass-1", "new": "A-Long-Enough-Pass-#1",
                                         "confirm": "A-Long-Enough-Pass-#1"})
        assert "Console home" in done.text
    finally:
        iam.delete_account_password_policy()


def test_console_access_with_a_required_reset_lets_the_user_change_it(server: LaminaServer) -> None:
    server.client("iam").create_user(UserName="fresh")
    admin = ConsoleClient(server)
    admin.sign_in(server.account_id, "admin", "Admin-Pass-123")
    admin.get("/iam/users/fresh")
    enabled = admin.post("/iam/users/fresh/login-profile", {"password": "Fresh-Pass-123", "reset": "on"})
    assert "reset required" in enabled.text and "IAMUserChangePassword" in enabled.text
    fresh = ConsoleClient(server)
    assert "Change password" in fresh.sign_in(server.account_id, "fresh", "Fresh-Pass-123").text
    done = fresh.post("/password", {"old": "Fresh-Pass-123", "new": "Fresh-Pass-456", "confirm": "Fresh-Pass-456"})
    assert "Console home" in done.text  # allowed by IAMUserChangePassword, through the gate


def test_the_simulator_highlights_a_principals_deciding_statements(server: LaminaServer) -> None:
    iam = server.client("iam")
    iam.create_user(UserName="simulated")
    managed = {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadFunctions", "Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"},
        {"Sid": "Unrelated", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="SimulatedRead", PolicyDocument=json.dumps(managed, indent=2))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="simulated", PolicyArn=arn)
    inline = {"Version": "2012-10-17", "Statement": [
        {"Sid": "NeverDelete", "Effect": "Deny", "Action": "lambda:DeleteFunction", "Resource": "*"}]}
    iam.put_user_policy(UserName="simulated", PolicyName="guard", PolicyDocument=json.dumps(inline, indent=2))
    admin = ConsoleClient(server)
    admin.sign_in(server.account_id, "admin", "Admin-Pass-123")
    admin.get("/simulator")
    page = admin.post("/simulator", {"principal": f"arn:aws:iam::{server.account_id}:user/simulated",
                                     "actions": "lambda:GetFunction lambda:DeleteFunction lambda:InvokeFunction",
                                     "resources": "", "policy": "", "context": ""})
    assert page.status_code == 200
    marked = re.findall(r"<mark>(.*?)</mark>", page.text)
    assert any("ReadFunctions" in line for line in marked) and any("NeverDelete" in line for line in marked)
    assert not any("Unrelated" in line for line in marked)
    assert "SimulatedRead (IAM Policy): deciding statements highlighted" in page.text
    assert "guard (user): deciding statements highlighted" in page.text
    assert re.search(r"<td>lambda:InvokeFunction</td>.*?<strong>implicitDeny</strong>", page.text, re.S)


@pytest.mark.parametrize("path", [
    "/password", "/lambda/create", "/lambda/functions/no-such-function/invoke", "/lambda/functions/my-function/code",
    "/lambda/functions/my-function/configuration", "/iam/users", "/iam/users/nobody/policies",
    "/iam/users/nobody/keys", "/iam/users/nobody/keys/AKIANOSUCHKEY", "/iam/users/nobody/login-profile",
    "/iam/users/nobody/groups", "/iam/users/nobody/boundary", "/iam/users/nobody/inline", "/iam/groups",
    "/iam/groups/nogroup/policies",
    "/iam/roles/norole/trust", "/iam/roles/norole/policies", "/iam/roles", "/iam/policies", "/simulator",
])
def test_an_empty_or_wrong_form_is_a_page_never_a_server_error(server: LaminaServer, path: str) -> None:
    client = ConsoleClient(server)
    client.sign_in(server.account_id, "admin", "Admin-Pass-123")
    answer = client.post(path, {})
    assert 200 <= answer.status_code < 500, answer.text
    garbage = client.post(path, {"event": "{", "memory": "lots", "document": "{", "name": "bad name!",
                                 "policy_arn": "not-an-arn", "actions": "", "principal": "nope"})
    assert 200 <= garbage.status_code < 500, garbage.text


def test_unknown_console_paths_are_not_found(server: LaminaServer) -> None:
    client = ConsoleClient(server)
    client.sign_in(server.account_id, "admin", "Admin-Pass-123")
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/iam/users/" + "x" * 200).status_code == 404
    assert client.http.request("DELETE", client.base + "/iam/users").status_code == 404


def test_the_editors_validation_is_json_behind_the_gate_and_csrf(server: LaminaServer) -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]})
    admin = ConsoleClient(server)
    admin.sign_in(server.account_id, "admin", "Admin-Pass-123")
    admin.get("/iam/policies")
    answer = admin.post("/validate", {"kind": "identity", "document": document})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    codes = [finding["code"] for finding in answer.json()["findings"]]
    assert "PASS_ROLE_WITH_STAR_IN_RESOURCE" in codes
    assert admin.post("/validate", {"kind": "identity", "document": document}, csrf=False).status_code == 403
    mateo = ConsoleClient(server)
    mateo.sign_in(server.account_id, "mateojackson", "Mateo-Pass-123")
    denied = mateo.post("/validate", {"kind": "identity", "document": document})
    assert denied.status_code == 403
    assert "access-analyzer:ValidatePolicy" in denied.json()["denied"]


def test_a_users_inline_policy_is_written_and_deleted(server: LaminaServer) -> None:
    iam = server.client("iam")
    iam.create_user(UserName="inlined")
    admin = ConsoleClient(server)
    admin.sign_in(server.account_id, "admin", "Admin-Pass-123")
    admin.get("/iam/users/inlined")
    bad = admin.post("/iam/users/inlined/inline", {"policy_name": "broken", "document": '{"Statement": ['})
    assert bad.status_code == 400 and "MalformedPolicyDocument" in bad.text and "JSON_SYNTAX_ERROR" in bad.text
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:ListFunctions", "Resource": "*"}]})
    admin.post("/iam/users/inlined/inline", {"policy_name": "list-only", "document": document})
    assert iam.list_user_policies(UserName="inlined")["PolicyNames"] == ["list-only"]
    admin.post("/iam/users/inlined/inline", {"do": "delete", "policy_name": "list-only"})
    assert iam.list_user_policies(UserName="inlined")["PolicyNames"] == []


def test_passwords_never_reach_the_servers_log(server: LaminaServer) -> None:
    ConsoleClient(server).sign_in(server.account_id, "admin", "Admin-Pass-123")
    ConsoleClient(server).sign_in(server.account_id, "admin", "Typo-Pass-999")
    server.client("iam").get_user()  # the log is written as requests come
    assert "Admin-Pass-123" not in server.log() and "Typo-Pass-999" not in server.log()


def test_lamina_audit_lists_failed_sign_ins_as_denials(server: LaminaServer) -> None:
    ConsoleClient(server).sign_in(server.account_id, "admin", "Admin-Pass-123")
    ConsoleClient(server).sign_in(server.account_id, "admin", "Not-The-Pass-0")
    time.sleep(0.5)  # the audit trail is written in batches
    command = [str(Path(sys.executable).with_name("lamina")), "audit", "--denied", "--data-dir", str(server.data_dir)]
    denied = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    sign_ins = [line for line in denied.splitlines() if "signin:ConsoleLogin" in line]
    assert any(" Failure " in line for line in sign_ins)
    assert not any(" Success " in line for line in sign_ins)


class _Fields(HTMLParser):
    """Form fields, labels' targets and headings of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.h1 = 0
        self.in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if found.get("for"):
                self.labelled.add(str(found["for"]))
        elif tag in ("input", "textarea", "select") and found.get("type") not in ("hidden", "submit"):
            self.fields.append({**found, "wrapped": "yes" if self.in_label else None})
        elif tag == "h1":
            self.h1 += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label -= 1


@pytest.mark.parametrize("path", ["", "/home", "/iam/users", "/iam/users/mateojackson", "/iam/groups", "/iam/roles",
                                  "/iam/roles/my-function-role", "/iam/policies", "/lambda/functions",
                                  "/lambda/functions/my-function", "/lambda/create", "/simulator", "/audit",
                                  "/password"])
def test_every_field_has_a_label_and_every_page_one_heading(server: LaminaServer, path: str) -> None:
    client = ConsoleClient(server)
    if path:
        client.sign_in(server.account_id, "admin", "Admin-Pass-123")
    page = _Fields()
    page.feed(client.get(path).text)
    assert page.h1 == 1
    unlabelled = [field for field in page.fields
                  if not field.get("wrapped") and field.get("id") not in page.labelled and not field.get("aria-label")]
    assert unlabelled == []
    ids = [field["id"] for field in page.fields if field.get("id")]
    assert len(ids) == len(set(ids))  # a label names exactly one field


def test_a_sign_in_is_get_users_password_last_used_and_in_the_credential_report(server: LaminaServer) -> None:
    iam = server.client("iam")
    console_user(server, "reported", "Reported-Pass-1")
    assert "PasswordLastUsed" not in iam.get_user(UserName="reported")["User"]
    ConsoleClient(server).sign_in(server.account_id, "reported", "Reported-Pass-1")
    used = iam.get_user(UserName="reported")["User"]["PasswordLastUsed"]
    assert abs(time.time() - used.timestamp()) < 60
    while iam.generate_credential_report()["State"] != "COMPLETE":
        time.sleep(0.1)
    rows = iam.get_credential_report()["Content"].decode().splitlines()
    header = rows[0].split(",")
    row = dict(zip(header, next(line for line in rows if line.startswith("reported,")).split(","), strict=True))
    assert row["password_last_used"] == used.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_a_role_is_created_with_lambdas_trust_to_start_from(server: LaminaServer) -> None:
    admin = ConsoleClient(server)
    admin.sign_in(server.account_id, "admin", "Admin-Pass-123")
    form = admin.get("/iam/roles")
    assert "lambda.amazonaws.com" in form.text  # the editor starts with a function's trust
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    created = admin.post("/iam/roles", {"name": "console-made", "document": trust})
    assert "<h1>console-made</h1>" in created.text
    role = server.client("iam").get_role(RoleName="console-made")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    refused = admin.post("/iam/roles", {"name": "bad-trust", "document": '{"Version": "2012-10-17"}'})
    assert refused.status_code == 400 and "MalformedPolicyDocument" in refused.text


def test_the_audit_page_filters_by_principal_decision_and_time(server: LaminaServer) -> None:
    client = ConsoleClient(server)
    client.sign_in(server.account_id, "mateojackson", "Mateo-Pass-123")
    client.get("/lambda/functions/my-function")  # denied: an ImplicitDeny in the trail
    admin = ConsoleClient(server)
    admin.sign_in(server.account_id, "admin", "Admin-Pass-123")
    mateo = f"arn:aws:iam::{server.account_id}:user/mateojackson"
    page = admin.get("/audit", params={"principal": mateo, "decision": "ImplicitDeny"}).text
    assert "lambda:GetFunction" in page and "/user/admin" not in page.split("<tbody>")[1]
    assert "explain" in page
    assert "No events match." in admin.get("/audit", params={"until": "2000-01-01"}).text
    assert "No events match." in admin.get("/audit", params={"since": "2999-01-01"}).text
    assert "lambda:GetFunction" in admin.get("/audit", params={"principal": mateo, "until": "2999"}).text
