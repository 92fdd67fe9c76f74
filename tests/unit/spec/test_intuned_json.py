"""An Intuned project's Intuned.json[c]: what jobctl applies is validated and located; the
platform's own settings are accepted and listed as not applied."""

from __future__ import annotations

import pytest

from controller.spec.intuned_json import ProjectSettingsError, parse_project_settings

TEMPLATE = """{
  // as Intuned's templates write it
  "projectName": "books",
  "replication": {"maxConcurrentRequests": 3, "size": "standard"},
  "authSessions": {"enabled": true, "type": "API"},
  "apiAccess": {"enabled": true},
  "headful": false,
  "stealthMode": {"enabled": true},
  "captchaSolver": {"enabled": false},
  "somethingNew": 1,
}"""


def test_a_template_file_is_read_and_platform_settings_are_listed_as_not_applied() -> None:
    project = parse_project_settings(TEMPLATE, "Intuned.jsonc")
    assert project.max_concurrent_requests == 3
    assert project.settings.projectName == "books"
    assert not project.recorder_sessions
    assert project.not_applied == (
        "stealthMode (a setting of Intuned's platform)",
        "captchaSolver (a setting of Intuned's platform)",
        "somethingNew (not known to jobctl)",
        "replication.size (machines are sized by where jobctl runs)",
    )


@pytest.mark.parametrize(
    ("text", "located"),
    [
        ('{"replication": {"maxConcurrentRequests": "two"}}', "Intuned.json:1:43: replication"),
        ('{\n  "headful": "yes"\n}', "Intuned.json:2:14: headful"),
        ('{"authSessions": {"enabled": 1.5}}', "Intuned.json:1:30: authSessions.enabled"),
        ("[1]", "Intuned.json:1:1: Intuned.json must hold one JSON object"),
        ('{"a": 1,,}', "Intuned.json:1:"),
    ],
)
def test_a_wrong_setting_jobctl_applies_is_a_located_error(text: str, located: str) -> None:
    with pytest.raises(ProjectSettingsError) as raised:
        parse_project_settings(text, "Intuned.json")
    assert str(raised.value).startswith(located), str(raised.value)


def test_recorder_sessions_and_the_proxy_are_read() -> None:
    text = '{"authSessions": {"enabled": true, "type": "MANUAL"}, "proxy": "http://u:p@h:1"}'
    project = parse_project_settings(text, "Intuned.json")
    assert project.recorder_sessions
    assert project.settings.proxy is not None and "u:p" not in repr(project.settings)
