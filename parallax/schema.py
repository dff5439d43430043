"""The JSON Schemas of the content contract, and their errors turned into contributor messages.

The schemas in parallax/schemas/ are the one definition of the front matter and the registries:
editors validate against them as you type, and the build validates against the same files.
Pure apart from reading the packaged schema files once.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from parallax.frontmatter import YamlDoc
from parallax.model import SourceRef
from parallax.problems import Problem

SCHEMA_NAMES = ("article", "sources", "actors", "terms", "overrides")

_TYPE_WORDS = {
    "string": "a string",
    "array": "a list",
    "object": "a mapping of fields",
    "integer": "an integer",
    "number": "a number",
}


@cache
def _validator(name: str) -> Draft202012Validator:
    text = resources.files("parallax").joinpath(f"schemas/{name}.schema.json").read_text("utf-8")
    return Draft202012Validator(json.loads(text))


def schema_text(name: str) -> str:
    """The schema file's text, for writing it out for editors."""
    return resources.files("parallax").joinpath(f"schemas/{name}.schema.json").read_text("utf-8")


def jsonable(value: Any) -> Any:
    """YAML data as JSON would hold it: dates become ISO strings, keys strings."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + '..."'


def _field_name(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path)


def _describe(error: ValidationError, field: str) -> tuple[str, str | None]:
    """A message and hint for one schema error, in the contributor's terms."""
    kind, expected = error.validator, cast(Any, error.validator_value)
    if kind == "required":
        return "missing required field", "add a line for it to the front matter"
    if kind == "type":
        wanted = _TYPE_WORDS.get(str(expected), str(expected))
        return f"expected {wanted}, got {_show(error.instance)}", None
    if kind == "enum":
        options = ", ".join(str(o) for o in expected)
        return f"expected one of {options}, got {_show(error.instance)}", None
    if kind == "pattern" and field == "published":
        return f"expected a date like 2024-05-01, got {_show(error.instance)}", _pattern_hint(field)
    if kind == "pattern":
        return f"{_show(error.instance)} is not in the expected form", _pattern_hint(field)
    if kind in ("minLength", "minItems") and error.validator_value == 1:
        return "must not be empty", None
    if kind == "minLength":
        return f"must be at least {error.validator_value} characters long", None
    if kind == "minItems":
        return f"must list at least {error.validator_value} entries", None
    if kind in ("maxLength", "maxItems"):
        return f"is longer than the limit of {expected}", "shorten it"
    if kind == "additionalProperties":
        return "unexpected field", "remove it, or check its spelling against the schema"
    if kind == "oneOf" and field.endswith("author"):
        return f"expected a name or a list of names, got {_show(error.instance)}", None
    return error.message, None


_PATTERN_HINTS = {
    "source": "a source key is lowercase letters, digits, '-' or '_', as in content/sources.yml",
    "published": "write the date unquoted in YYYY-MM-DD form",
    "url": "write the full address, starting with https://",
    "language": "use a language tag such as en, de or uk",
    "country": "use the ISO 3166 two-letter code in capitals, such as RU, UA or US",
    "domain": "write the bare domain, such as example.org",
}


def _pattern_hint(field: str) -> str | None:
    last = field.rsplit(".", 1)[-1]
    if last.isdigit() or not last:
        return "keys are lowercase letters, digits, '-' or '_'"
    return _PATTERN_HINTS.get(last, "keys are lowercase letters, digits, '-' or '_'")


def validate(name: str, doc: YamlDoc, path: str) -> tuple[Problem, ...]:
    """Every schema error in `doc` as a Problem located at the offending line."""
    data = jsonable(doc.data)
    problems = []
    for error in sorted(_validator(name).iter_errors(data), key=lambda e: list(map(str, e.path))):
        if "propertyNames" in error.schema_path:
            key = str(error.instance)
            where = SourceRef(path, doc.line_of((key,)))
            problems.append(
                Problem(where, key, f"{_show(key)} is not a valid key", _pattern_hint(""))
            )
            continue
        field_path = tuple(error.absolute_path)
        if error.validator == "required":
            field_path = (*field_path, error.message.split("'")[1])
        field = _field_name(field_path)
        message, hint = _describe(error, field)
        problems.append(Problem(SourceRef(path, doc.line_of(field_path)), field, message, hint))
    return tuple(problems)
