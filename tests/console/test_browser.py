"""The console in a real browser: Playwright driving Debian's Chromium against a real ``lamina serve``.

The seed's story (mateojackson denied GetFunction, the administrator grants it, mateojackson
invokes), access keys (secret shown once, a third refused), a trust policy edited, the simulator
explaining a denial, a form without its CSRF token refused, wrong passwords locking a user out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import ARGS, CHROMIUM, shot, sign_in
from console_support import console_user, create_function, function_zip

from lamina.pytest_plugin import LaminaServer

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")
sync_api = pytest.importorskip("playwright.sync_api")

GENERIC = "Your authentication information is incorrect. Please try again."
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
GRANT = {"Version": "2012-10-17", "Statement": [{"Sid": "ReadAndInvokeMyFunction", "Effect": "Allow",
         "Action": ["lambda:GetFunction", "lambda:ListFunctions", "lambda:InvokeFunction",
                    "lambda:ListVersionsByFunction", "lambda:ListAliases", "lambda:GetPolicy",
                    "lambda:GetFunctionUrlConfig", "logs:FilterLogEvents"], "Resource": "*"}]}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module", autouse=True)
def seeded(server: LaminaServer) -> None:
    console_user(server, "admin", "Admin-Pass-123", (ADMIN_POLICY,))
    console_user(server, "mateojackson", "Mateo-Pass-123")
    console_user(server, "locked-out", "Right-Pass-123")
    create_function(server, "my-function")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def denial(server: LaminaServer) -> str:
    return (f"User: arn:aws:iam::{server.account_id}:user/mateojackson is not authorized to perform: "
            f"lambda:GetFunction on resource: arn:aws:lambda:{server.region}:{server.account_id}:function:my-function "
            "because no identity-based policy allows the lambda:GetFunction action")


def test_the_seed_story(server: LaminaServer, browser: Any) -> None:
    base = server.endpoint_url
    mateo = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    shot_page(mateo, base)
    sign_in(mateo, base, server.account_id, "mateojackson", "Mateo-Pass-123")
    mateo.goto(f"{base}/console/lambda/functions/my-function")
    sentence = mateo.get_by_test_id("denial")
    assert sentence.inner_text() == denial(server)
    assert mateo.get_by_text("No statement allows").is_visible()
    shot(mateo, "denied")

    admin = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(admin, base, server.account_id, "admin", "Admin-Pass-123")
    admin.get_by_role("link", name="IAM", exact=True).click()
    admin.get_by_role("link", name="Policies").click()
    admin.get_by_label("Policy name").fill("MyFunctionAccess")
    admin.get_by_label("Policy document (JSON)").fill(json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}))
    live = admin.locator("ul.live-findings")  # the validator's findings as you type
    live.wait_for()
    assert "PASS_ROLE_WITH_STAR_IN_RESOURCE" in live.inner_text()
    admin.get_by_label("Policy document (JSON)").fill(json.dumps(GRANT, indent=2))
    admin.get_by_role("button", name="Create policy").click()
    assert admin.get_by_role("cell", name="MyFunctionAccess", exact=True).is_visible()
    shot(admin, "policies")
    admin.goto(f"{base}/console/iam/users/mateojackson")
    admin.get_by_label("Policy ARN", exact=True).fill(f"arn:aws:iam::{server.account_id}:policy/MyFunctionAccess")
    admin.get_by_role("button", name="Attach policy").click()
    assert admin.get_by_role("cell", name="MyFunctionAccess", exact=True).is_visible()
    shot(admin, "user")

    mateo.reload()
    assert mateo.get_by_test_id("denial").count() == 0
    assert mateo.get_by_text("Code SHA-256").is_visible()
    mateo.get_by_label("Event JSON").fill('{"name": "mateo"}')
    mateo.get_by_role("button", name="Test").click()
    result = mateo.get_by_test_id("invoke-result")
    assert "Execution result: succeeded" in result.inner_text()
    assert '{"hello": "mateo"}' in result.inner_text()
    assert "hello from mateo" in result.inner_text()
    shot(mateo, "function")
    mateo.goto(f"{base}/console/lambda/functions")
    shot(mateo, "functions")


def shot_page(page: Any, base: str) -> None:
    page.goto(f"{base}/console")
    shot(page, "signin")


def test_access_keys_show_the_secret_once_and_refuse_a_third(server: LaminaServer, page: Any) -> None:
    base = server.endpoint_url
    server.client("iam").create_user(UserName="key-holder")
    sign_in(page, base, server.account_id, "admin", "Admin-Pass-123")
    page.goto(f"{base}/console/iam/users/key-holder")
    page.get_by_role("button", name="Create access key").click()
    secret = page.get_by_test_id("new-key-secret").inner_text()
    key_id = page.get_by_test_id("new-key-id").inner_text()
    assert len(secret) == 40 and key_id.startswith("AKIA")
    assert page.get_by_role("link", name="Download .csv file").get_attribute("href").startswith("data:text/csv")
    shot(page, "access-key")
    page.goto(f"{base}/console/iam/users/key-holder")
    assert secret not in page.content()
    assert page.get_by_text(key_id).is_visible()
    page.get_by_role("button", name="Create access key").click()
    page.goto(f"{base}/console/iam/users/key-holder")
    page.get_by_role("button", name="Create access key").click()
    assert "Cannot exceed quota for AccessKeysPerUser: 2" in page.get_by_role("alert").inner_text()
    assert len(server.client("iam").list_access_keys(UserName="key-holder")["AccessKeyMetadata"]) == 2


def test_a_role_trust_policy_is_edited(server: LaminaServer, page: Any) -> None:
    base = server.endpoint_url
    sign_in(page, base, server.account_id, "admin", "Admin-Pass-123")
    page.goto(f"{base}/console/iam/roles")
    page.get_by_role("link", name="my-function-role").click()
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]},
         "Action": "sts:AssumeRole"}]}
    page.get_by_label("Trusted entities (JSON)").fill("{ not json")
    assert "Invalid JSON" in page.locator(".json-status").inner_text()  # the editor's script checks as you type
    page.get_by_label("Trusted entities (JSON)").fill(json.dumps(trust, indent=2))
    page.get_by_role("button", name="Update policy").click()
    assert page.get_by_text("The trust policy was updated.").is_visible()
    shot(page, "role")
    stored = server.client("iam").get_role(RoleName="my-function-role")["Role"]["AssumeRolePolicyDocument"]
    assert stored["Statement"][0]["Principal"]["Service"] == ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]


def test_the_simulator_explains_a_denial(server: LaminaServer, page: Any) -> None:
    base = server.endpoint_url
    sign_in(page, base, server.account_id, "admin", "Admin-Pass-123")
    page.goto(f"{base}/console/simulator")
    page.get_by_label("Principal ARN (user, group or role)").fill(f"arn:aws:iam::{server.account_id}:user/locked-out")
    page.get_by_label("Actions (space or comma separated)").fill("lambda:DeleteFunction lambda:GetFunction")
    page.get_by_label("Or paste a policy (then only it decides)").fill(json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Sid": "ReadOnly", "Effect": "Allow", "Action": "lambda:Get*", "Resource": "*"},
            {"Sid": "NeverDelete", "Effect": "Deny", "Action": "lambda:DeleteFunction", "Resource": "*"}]}, indent=2))
    page.get_by_role("button", name="Run simulation").click()
    rows = page.get_by_test_id("simulation").locator("tbody tr")
    assert "explicitDeny" in rows.nth(0).inner_text()
    assert "allowed" in rows.nth(1).inner_text()
    marked = page.locator("pre.policy-text mark").all_inner_texts()
    assert any("NeverDelete" in line for line in marked) and any("ReadOnly" in line for line in marked)
    shot(page, "simulator")


def test_a_form_without_its_csrf_token_is_refused(server: LaminaServer, page: Any) -> None:
    base = server.endpoint_url
    sign_in(page, base, server.account_id, "admin", "Admin-Pass-123")
    page.goto(f"{base}/console/iam/users")
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach((input) => input.remove())")
    page.get_by_label("User name").fill("csrf-victim")
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.get_by_role("button", name="Create user").click()
    assert posted.value.status == 403
    assert "CSRF" in page.content()
    assert "csrf-victim" not in [user["UserName"] for user in server.client("iam").list_users()["Users"]]


def test_wrong_passwords_are_rate_limited(server: LaminaServer, page: Any) -> None:
    base = server.endpoint_url
    for _ in range(5):
        sign_in(page, base, server.account_id, "locked-out", "Wrong-Pass-000")
        assert page.get_by_role("alert").inner_text() == GENERIC
    sign_in(page, base, server.account_id, "locked-out", "Right-Pass-123")
    assert "exceeded the maximum number of sign-in attempts" in page.get_by_role("alert").inner_text()


def test_the_audit_page_lists_decisions(server: LaminaServer, page: Any) -> None:
    base = server.endpoint_url
    sign_in(page, base, server.account_id, "admin", "Admin-Pass-123")
    page.goto(f"{base}/console/audit?decision=ImplicitDeny")
    table = page.get_by_test_id("audit").inner_text()
    assert "ImplicitDeny" in table and "Allow\t" not in table
    shot(page, "audit")


def test_a_function_is_created_from_an_upload_and_its_logs_are_shown(server: LaminaServer, page: Any) -> None:
    base = server.endpoint_url
    sign_in(page, base, server.account_id, "admin", "Admin-Pass-123")
    page.goto(f"{base}/console/lambda/functions")
    page.get_by_role("link", name="Create function").click()
    page.get_by_label("Function name").fill("from-the-browser")
    page.get_by_label("Runtime").select_option("python3.12")
    page.get_by_label("Execution role").select_option(
        f"arn:aws:iam::{server.account_id}:role/my-function-role")
    page.get_by_label("Code (.zip)").set_input_files(
        files=[{"name": "function.zip", "mimeType": "application/zip", "buffer": function_zip()}])
    shot(page, "create-function")
    page.get_by_role("button", name="Create function").click()
    assert page.get_by_role("heading", name="from-the-browser", exact=True).is_visible()
    server.client("lambda").get_waiter("function_active_v2").wait(FunctionName="from-the-browser")
    page.get_by_label("Event JSON").fill('{"name": "browser"}')
    page.get_by_role("button", name="Test").click()
    assert "Execution result: succeeded" in page.get_by_test_id("invoke-result").inner_text()
    for _ in range(50):  # the logs are written in batches, a fraction of a second later
        page.goto(f"{base}/console/lambda/functions/from-the-browser")
        logs = page.get_by_test_id("recent-logs")
        if logs.count() and "hello from browser" in logs.inner_text():
            break
        page.wait_for_timeout(200)
    assert "hello from browser" in page.get_by_test_id("recent-logs").inner_text()
