"""Workspace and project IDs are UUIDs, as in Intuned: kept when given, derived from names
otherwise, and the same on every controller for the same names."""

from __future__ import annotations

import uuid

from controller.engine import Identity


def test_names_give_stable_uuids_and_a_given_uuid_is_kept() -> None:
    named = Identity.named("acme", "shop")
    assert named == Identity.named("acme", "shop")
    assert uuid.UUID(named.workspace_id).version == uuid.UUID(named.project_id).version == 5
    assert (named.workspace_name, named.project_name) == ("acme", "shop")
    assert Identity.named("acme", "other").project_id != named.project_id
    given = "123E4567-E89B-12D3-A456-426614174000"
    kept = Identity.named(given, "shop", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
    assert (kept.workspace_id, kept.project_id) == (
        given.lower(),
        "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    )
