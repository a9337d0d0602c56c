"""The ``lamina_server`` fixture, as a user's test suite sees it (pytester runs a separate pytest)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = '''
import pytest

def test_caller_identity(lamina_server):
    identity = lamina_server.client("sts").get_caller_identity()
    assert identity["Account"] == lamina_server.account_id
    assert identity["Arn"] == f"arn:aws:iam::{lamina_server.account_id}:root"
    assert lamina_server.access_key_id.startswith("AKIA")
    assert lamina_server.endpoint_url.startswith("http://127.0.0.1:")
    assert lamina_server.region == "us-east-1"

def test_same_server_for_the_session(lamina_server):
    assert lamina_server.client("sts").get_caller_identity()["UserId"] == lamina_server.account_id

def test_wrong_secret_is_refused(lamina_server):
    from botocore.exceptions import ClientError
    sts = lamina_server.client("sts", aws_secret_access_key="x" * 40)
    with pytest.raises(ClientError) as caught:
        sts.get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
'''


def test_fixture_serves_a_users_tests(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMINA_PYTEST_PLUGIN", raising=False)
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_server_is_stopped_after_the_session(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMINA_PYTEST_PLUGIN", raising=False)
    pytester.makepyfile(test_user='''
import os

def test_remember(lamina_server):
    open(os.environ["PORT_FILE"], "w").write(lamina_server.endpoint_url)
''')
    port_file = pytester.path / "endpoint.txt"
    monkeypatch.setenv("PORT_FILE", str(port_file))
    pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    import urllib.error
    import urllib.request
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(port_file.read_text() + "/_lamina/health", timeout=2)


@pytest.mark.parametrize("value", ["0", "off"])
def test_opt_out_registers_no_fixture(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LAMINA_PYTEST_PLUGIN", value)
    pytester.makepyfile(test_user="def test_x(lamina_server):\n    pass\n")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'lamina_server' not found*"])
