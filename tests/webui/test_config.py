"""The web UI's settings: the password becomes a hash at once, a bad value names its
variable, --show-config never prints the password."""

import pytest

from rpymostat.shared.envconfig import ConfigError, render_table
from rpymostat.webui.config import SETTINGS, load_config
from rpymostat.webui.passwords import PasswordHash


def test_defaults_trust_the_lan_and_limit_engine_calls_to_ten_seconds() -> None:
    """No password, 10 s per upstream call, listening on 8080."""
    config = load_config({})
    assert config.password is None and config.timeout == 10.0
    assert config.daemon.listen == "tcp:8080"


def test_a_password_is_held_as_a_hash() -> None:
    """RPYMOSTAT_UI_PASSWORD → PasswordHash that verifies it; the plain text is not kept."""
    config = load_config({"RPYMOSTAT_UI_PASSWORD": "long enough pw"})
    assert isinstance(config.password, PasswordHash)
    assert config.password.verify("long enough pw")
    assert "long enough pw" not in repr(config)


def test_bad_values_name_their_variable() -> None:
    """A short password or a zero timeout: ConfigError naming the variable."""
    for env, name in (({"RPYMOSTAT_UI_PASSWORD": "short"}, "RPYMOSTAT_UI_PASSWORD"),
                      ({"RPYMOSTAT_UI_TIMEOUT": "0"}, "RPYMOSTAT_UI_TIMEOUT")):
        with pytest.raises(ConfigError, match=name):
            load_config(env)


def test_show_config_hides_the_password() -> None:
    """The settings table shows the variable but not its value."""
    table = render_table(SETTINGS, {"RPYMOSTAT_UI_PASSWORD": "secret words here"})
    assert "RPYMOSTAT_UI_PASSWORD" in table and "secret words here" not in table
