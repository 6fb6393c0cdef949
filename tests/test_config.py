"""Engine configuration from the environment: defaults, validation naming the variable."""

import pytest
from twisted.logger import LogLevel
from twisted.python import usage

from rpymostat.engine.config import SETTINGS, load_config
from rpymostat.engine.tap import Options
from rpymostat.shared.auth import AuthMode
from rpymostat.shared.envconfig import ConfigError, render_table


def test_defaults(tmp_path) -> None:
    """With only a data dir set, every default applies and the store is SQLite in it."""
    config = load_config({"RPYMOSTAT_DATA_DIR": str(tmp_path)})
    assert config.listen == "tcp:8088"
    assert config.auth is AuthMode.ON
    assert config.log_level is LogLevel.info
    assert config.token is None
    assert config.stale_after == 600.0
    assert not config.uses_mongodb
    assert config.sqlite_path == tmp_path / "rpymostat.sqlite3"


def test_mongodb_url_selects_mongodb() -> None:
    """A mongodb:// store URL selects the MongoDB backend."""
    config = load_config({"RPYMOSTAT_STORE": "mongodb://db.local:27017/rpymostat"})
    assert config.uses_mongodb


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("RPYMOSTAT_ENGINE_LISTEN", "tcp:notaport", "not a Twisted endpoint string"),
    ("RPYMOSTAT_ENGINE_LISTEN", "carrier-pigeon:1", "not a Twisted endpoint string"),
    ("RPYMOSTAT_AUTH", "maybe", "must be one of off, on, strict"),
    ("RPYMOSTAT_LOG_LEVEL", "loud", "must be one of debug"),
    ("RPYMOSTAT_STORE", "postgres://x/y", "unsupported store"),
    ("RPYMOSTAT_STORE", "mongodb://hostonly", "must name host and database"),
    ("RPYMOSTAT_TOKEN", "short", "at least 16 characters"),
    ("RPYMOSTAT_STALE_AFTER", "-1", "must be a finite number > 0"),
    ("RPYMOSTAT_STALE_AFTER", "nan", "must be a finite number > 0"),
    ("RPYMOSTAT_DATA_DIR", "  ", "must not be empty"),
])
def test_bad_values_name_the_variable(name: str, value: str, fragment: str) -> None:
    """An invalid value raises ConfigError whose message starts with the variable's name."""
    with pytest.raises(ConfigError) as info:
        load_config({name: value})
    assert str(info.value).startswith(f"{name}: ")
    assert fragment in str(info.value)


def test_options_turn_config_errors_into_usage_errors() -> None:
    """The command line reports a bad variable as a usage error naming it."""
    with pytest.raises(usage.UsageError, match=r"^RPYMOSTAT_AUTH: "):
        Options(environ={"RPYMOSTAT_AUTH": "sometimes"}).parseOptions([])


def test_show_config_lists_every_variable_and_hides_the_token(capsys) -> None:
    """--show-config prints each variable with its effective value; the token is hidden."""
    with pytest.raises(SystemExit) as info:
        Options(environ={"RPYMOSTAT_TOKEN": "s3cret-s3cret-s3cret",
                         "RPYMOSTAT_AUTH": "strict"}).parseOptions(["--show-config"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for setting in SETTINGS:
        assert setting.name in out
    assert "s3cret" not in out
    assert "(set, hidden)" in out
    assert "strict" in out


def test_render_table_shows_unset() -> None:
    """Unset variables without defaults show as (unset)."""
    assert "(unset)" in render_table(SETTINGS, {})
