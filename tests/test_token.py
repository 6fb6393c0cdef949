"""The site token: configured, or generated once into the data dir with mode 0600."""

import stat

import pytest

from rpymostat.engine.token import load_or_create_token


def test_configured_token_wins(tmp_path) -> None:
    """RPYMOSTAT_TOKEN is used as is and no file is written."""
    assert load_or_create_token("configured-token-123", tmp_path) == ("configured-token-123", None)
    assert not (tmp_path / "token").exists()


def test_generated_once_with_mode_0600(tmp_path) -> None:
    """Without a configured token one is generated, stored 0600, and reused on restart."""
    token, path = load_or_create_token(None, tmp_path / "data")
    assert path == tmp_path / "data" / "token"
    assert len(token) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_token(None, tmp_path / "data") == (token, path)


def test_truncated_token_file_is_refused(tmp_path) -> None:
    """An empty token file is an error, not an empty token."""
    (tmp_path / "token").write_text("")
    with pytest.raises(ValueError, match="empty or too short"):
        load_or_create_token(None, tmp_path)
