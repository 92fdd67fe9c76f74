"""AuthSession files: the ID is the file name, credentials are inline secrets or env references."""

from __future__ import annotations

import pytest

from controller.spec import EnvReference, load_auth_session_file_text


def test_inline_and_environment_credentials_load() -> None:
    text = '// c\n{credentials: {username: "reader", password: {env: "MEMBER_PASSWORD"}},}'
    result = load_auth_session_file_text(text, "member.auth-session.jsonc")
    assert result.problems == []
    (session,) = result.auth_sessions
    assert session.session_id == "member"
    assert session.definition.credentials is not None
    password = session.definition.credentials["password"]
    assert isinstance(password, EnvReference) and password.env == "MEMBER_PASSWORD"
    assert "reader" not in repr(session.definition)  # inline values are secrets


@pytest.mark.parametrize(
    ("name", "text", "where", "says"),
    [
        ("m.auth-session.jsonc", "{}", "1:1", "credentials"),
        ("m.auth-session.jsonc", "{credentials: {}}", "1:15", "at least 1"),
        ("m.auth-session.jsonc", '{credentials: {p: {env: "1BAD"}}}', "1:25", "pattern"),
        ("m.auth-session.jsonc", '{credentials: {p: "x"},\n credential: 1}', "2:2", "did you mean"),
        ("m.auth-session.jsonc", '{id: "other", credentials: {p: "x"}}', "1:6", "does not match"),
        ("Bad_Name.auth-session.jsonc", '{credentials: {p: "x"}}', "1:1", "Kubernetes name"),
        ("m.session.jsonc", '{credentials: {p: "x"}}', "1:1", "<auth-session-id>"),
    ],
)
def test_problems_are_located(name: str, text: str, where: str, says: str) -> None:
    problems = load_auth_session_file_text(text, name).problems
    assert problems, "expected a problem"
    assert str(problems[0]).startswith(f"{name}:{where}:"), str(problems[0])
    assert says in str(problems[0])


def test_a_recorder_session_names_where_a_person_signs_in() -> None:
    text = '{type: "recorder", startUrl: "https://sso.example/login", finishUrl: "https://app/"}'
    result = load_auth_session_file_text(text, "sso.auth-session.jsonc")
    assert result.problems == []
    (session,) = result.auth_sessions
    assert session.definition.type == "recorder"
    assert session.definition.startUrl == "https://sso.example/login"


def test_a_recorder_session_without_a_start_url_or_with_credentials_is_refused() -> None:
    without = load_auth_session_file_text('{type: "recorder"}', "sso.auth-session.jsonc")
    assert "needs `startUrl`" in str(without.problems[0])
    both = '{type: "recorder", startUrl: "https://a/", credentials: {user: "x"}}'
    refused = load_auth_session_file_text(both, "sso.auth-session.jsonc")
    assert "holds no `credentials`" in str(refused.problems[0])
    bare = load_auth_session_file_text("{}", "member.auth-session.jsonc")
    assert 'set "type": "recorder"' in str(bare.problems[0])
