"""Where no engine answers, the docker tests skip with a message that says what to do."""

from __future__ import annotations

from .conftest import usable_engine


def test_without_an_engine_the_skip_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    client, message = usable_engine()
    assert client is None
    assert message.startswith("DOCKER TESTS SKIPPED")
    assert f"unix://{tmp_path}/no-engine.sock" in message and "scripts/setup-docker.sh" in message
