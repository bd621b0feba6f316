"""The secret store's files and the masker (pure logic; injection into runs is tested with the backends)."""

from __future__ import annotations

import stat

import pytest

from jupyter_mlops.errors import SecretError, SecretNotFoundError
from jupyter_mlops.secrets import MASK, Masker, get_secret, list_secrets, remove_secret, secrets_dir, set_secret


def test_secrets_are_0600_files_in_a_0700_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_HOME", str(tmp_path))
    set_secret("DB_PASSWORD", "hunter2-correct-horse")
    folder = secrets_dir()
    assert folder == tmp_path / "secrets"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "DB_PASSWORD").stat().st_mode) == 0o600
    assert get_secret("DB_PASSWORD") == "hunter2-correct-horse"
    assert [info.name for info in list_secrets()] == ["DB_PASSWORD"]
    remove_secret("DB_PASSWORD")
    with pytest.raises(SecretNotFoundError, match="'DB_PASSWORD' is not set"):
        get_secret("DB_PASSWORD")


def test_bad_names_and_empty_values_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_HOME", str(tmp_path))
    for name in ("", "../escape", "a/b", "9lives"):
        with pytest.raises(SecretError, match="is not valid"):
            set_secret(name, "x")
    with pytest.raises(SecretError, match="empty"):
        set_secret("EMPTY", "")


def test_the_masker_hides_values_and_their_json_forms():
    masker = Masker(['pa"ss', "pa"])
    assert masker.text('a pa"ss b pa c') == f"a {MASK} b {MASK} c"
    assert masker.text('{"v": "pa\\"ss"}') == f'{{"v": "{MASK}"}}'
    assert masker.value({"k": ['x pa"ss']}) == {"k": [f"x {MASK}"]}
    assert not Masker([]) and Masker([]).text("pa") == "pa"
