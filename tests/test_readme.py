"""The README's settings table against the settings classes every process reads.

Users configure the services from the table in README.md; the processes read the settings
classes. Every field of a class must have its row, every row a field, and a default the
table writes as a value must be the value the process starts with when the variable is set
to it.
"""

import os
import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from common.settings import Settings
from gateway.settings import GatewaySettings
from svc_captions.settings import CaptionsSettings
from svc_footage.settings import FootageSettings
from svc_queries.settings import QueriesSettings
from svc_render.settings import RenderSettings
from svc_tts.settings import TtsSettings

README = Path(__file__).resolve().parents[1] / "README.md"
SETTINGS_CLASSES: tuple[type[BaseSettings], ...] = (
    Settings,
    GatewaySettings,
    TtsSettings,
    CaptionsSettings,
    QueriesSettings,
    FootageSettings,
    RenderSettings,
)
# Rows whose default is told in words although the field has a value, and why.
DEFAULTS_IN_WORDS = {
    "T2V_API_KEYS": "no keys: the field's default is an empty tuple",
    "T2V_ADMIN_API_KEYS": "no keys: the field's default is an empty tuple",
    "T2V_TRUSTED_PROXIES": "no proxies: the field's default is an empty tuple",
    "T2V_MCP_ALLOWED_ORIGINS": "no origins: the field's default is an empty tuple",
    "T2V_PEXELS_BASE_URL": "the provider's own address, too long for the table",
    "T2V_PIXABAY_BASE_URL": "the provider's own address, too long for the table",
}
# A default cell that is one code span holds a value as the variable would be set to it.
_VALUE = re.compile(r"`([^`]+)`")
_VARIABLE = re.compile(r"`(T2V_\w+)`")

Field = tuple[type[BaseSettings], str]


def settings_fields() -> dict[str, Field]:
    """Every field of every settings class by its variable, with a class that has it."""
    fields: dict[str, Field] = {}
    for settings_class in SETTINGS_CLASSES:
        prefix = settings_class.model_config.get("env_prefix", "")
        for name in settings_class.model_fields:
            fields.setdefault(f"{prefix}{name}".upper(), (settings_class, name))
    return fields


def readme_defaults() -> dict[str, str]:
    """The variables the README's settings table names, with their default cells."""
    section = README.read_text().split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    defaults = {}
    for line in section.splitlines():
        if not line.startswith("|"):
            continue
        variables, default, *_ = (cell.strip() for cell in line.strip("|").split("|"))
        # One row may name several variables that share a default.
        for variable in _VARIABLE.findall(variables):
            defaults[variable] = default
    return defaults


def default_mismatch(variable: str, cell: str, field: Field) -> str | None:
    """How the table's default cell disagrees with the field's default, if it does."""
    settings_class, name = field
    default = settings_class.model_fields[name].get_default(call_default_factory=True)
    value = _VALUE.fullmatch(cell)
    if value is None:
        if default is None or variable in DEFAULTS_IN_WORDS:
            return None
        return f"{variable}: the table says {cell!r} in words, the default is {default!r}"
    # Read as the process reads it, so "[5, 30, 120]" and "a,b" parse as they would there.
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv(variable, value[1])
        try:
            read = getattr(settings_class(), name)
        except ValueError as exc:
            return f"{variable}: the table's {cell} is not a valid value: {exc}"
    if read != default:
        return f"{variable}: the table says {cell}, the default is {default!r}"
    return None


def test_the_settings_table_has_a_row_for_every_setting_and_no_other() -> None:
    # Given every field of every settings class, and the README's settings table
    fields = settings_fields()
    table = readme_defaults()

    # When the variables of one are compared with the other's
    undocumented = sorted(fields.keys() - table.keys())
    unknown = sorted(table.keys() - fields.keys())

    # Then neither has a variable the other lacks
    assert undocumented == [], "settings with no row in README.md's settings table"
    assert unknown == [], "rows of README.md's settings table that no settings class has"


def test_the_settings_table_gives_each_default_as_the_settings_classes_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the README's settings table, read with no T2V_ variable set
    for variable in [name for name in os.environ if name.upper().startswith("T2V_")]:
        monkeypatch.delenv(variable)
    fields = settings_fields()
    table = readme_defaults()

    # When each default cell is checked against its field's default
    mismatches = [
        mismatch
        for variable, cell in table.items()
        if variable in fields and (mismatch := default_mismatch(variable, cell, fields[variable]))
    ]

    # Then they agree, and every default told in words is still a row that does so
    assert mismatches == []
    in_words = [variable for variable in DEFAULTS_IN_WORDS if variable in table]
    assert [variable for variable in in_words if _VALUE.fullmatch(table[variable])] == []
