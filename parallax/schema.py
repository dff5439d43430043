"""The JSON Schemas of the content contract, and their errors turned into contributor messages.

The schemas in parallax/schemas/ are the one definition of the front matter and the registries:
editors validate against them as you type, and the build validates against the same files.
Pure apart from reading the packaged schema files once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

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


def _describe(
    kind: str, expected: Any, instance: Any, field: str, message: str
) -> tuple[str, str | None]:
    """A message and hint for one schema error (its keyword, the keyword's value in the
    schema, the value found), in the contributor's terms; else jsonschema's `message`."""
    if kind == "required":
        return "missing required field", "add a line for it to the front matter"
    if kind == "type":
        wanted = _TYPE_WORDS.get(str(expected), str(expected))
        return f"expected {wanted}, got {_show(instance)}", None
    if kind == "enum":
        options = ", ".join(str(o) for o in expected)
        return f"expected one of {options}, got {_show(instance)}", None
    if kind == "pattern" and field == "published":
        return f"expected a date like 2024-05-01, got {_show(instance)}", _pattern_hint(field)
    if kind == "pattern":
        return f"{_show(instance)} is not in the expected form", _pattern_hint(field)
    if kind in ("minLength", "minItems") and expected == 1:
        return "must not be empty", None
    if kind == "minLength":
        return f"must be at least {expected} characters long", None
    if kind == "minItems":
        return f"must list at least {expected} entries", None
    if kind in ("maxLength", "maxItems"):
        return f"is longer than the limit of {expected}", "shorten it"
    if kind == "additionalProperties":
        return "unexpected field", "remove it, or check its spelling against the schema"
    if kind == "oneOf" and field.endswith("author"):
        return f"expected a name or a list of names, got {_show(instance)}", None
    return message, None


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
        message, hint = _describe(
            str(error.validator), error.validator_value, error.instance, field, error.message
        )
        problems.append(Problem(SourceRef(path, doc.line_of(field_path)), field, message, hint))
    return tuple(problems)


# The article schema checked by hand (#9): jsonschema's validator took half of loading ten
# thousand articles. `check_article` applies the keywords of the packaged article schema that
# it uses, in jsonschema's order and with jsonschema's semantics (tests/test_schema_check.py
# compares the two on many front matters); any other keyword in the schema is refused here.

_Error = tuple[tuple[str | int, ...], str, Any, Any]  # path, keyword, its value, the instance
_IGNORED = {"$schema", "$id", "title", "description", "default", "additionalProperties"}
_PYTHON_TYPES: dict[str, type] = {"string": str, "array": list, "object": dict}


def _subset(schema: Any) -> dict[str, Any]:
    """The keywords of `schema` that `_errors` applies; refuses any it does not know."""
    known = {"type", "minLength", "maxLength", "pattern", "enum", "items", "maxItems"}
    known |= {"minItems", "oneOf", "required", "properties"}
    unknown = set(schema) - known - _IGNORED
    if unknown or (schema.get("additionalProperties", True) is not True):
        raise ValueError(f"the hand check does not know {sorted(unknown)}")
    if "type" in schema and schema["type"] not in _PYTHON_TYPES:
        raise ValueError(f"the hand check does not know the type {schema['type']!r}")
    if any(not isinstance(option, str) for option in schema.get("enum", ())):
        raise ValueError("the hand check knows enums of strings only")
    compiled: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword == "pattern":
            value = re.compile(value)
        elif keyword == "items":
            value = _subset(value)
        elif keyword == "oneOf":
            value = [_subset(option) for option in value]
        elif keyword == "properties":
            value = {name: _subset(sub) for name, sub in value.items()}
        if keyword not in _IGNORED:
            compiled[keyword] = value
    return compiled


def _errors(schema: dict[str, Any], value: Any, path: tuple[str | int, ...]) -> list[_Error]:
    """jsonschema's errors for `value` (JSON-like data) under a `_subset` schema, in order."""
    found: list[_Error] = []
    for keyword, expected in schema.items():
        if keyword == "type":
            if not isinstance(value, _PYTHON_TYPES[expected]):
                found.append((path, keyword, expected, value))
        elif keyword == "pattern":
            if isinstance(value, str) and not expected.search(value):
                found.append((path, keyword, expected.pattern, value))
        elif keyword in ("minLength", "minItems"):
            if isinstance(value, str if keyword == "minLength" else list) and len(value) < expected:
                found.append((path, keyword, expected, value))
        elif keyword in ("maxLength", "maxItems"):
            if isinstance(value, str if keyword == "maxLength" else list) and len(value) > expected:
                found.append((path, keyword, expected, value))
        elif keyword == "enum":
            if not (isinstance(value, str) and value in expected):
                found.append((path, keyword, expected, value))
        elif keyword == "items":
            if isinstance(value, list):
                for index, item in enumerate(value):
                    found += _errors(expected, item, (*path, index))
        elif keyword == "oneOf":
            valid = sum(1 for option in expected if not _errors(option, value, path))
            if valid != 1:
                found.append((path, keyword, expected, value))
        elif keyword == "required":
            if isinstance(value, dict):
                found += [(path, keyword, name, value) for name in expected if name not in value]
        elif keyword == "properties" and isinstance(value, dict):
            for name, sub in expected.items():
                if name in value:
                    found += _errors(sub, value[name], (*path, name))
    return found


@cache
def _article_subset() -> dict[str, Any]:
    return _subset(json.loads(schema_text("article")))


def check_article(doc: YamlDoc, path: str) -> tuple[Problem, ...]:
    """What `validate("article", doc, path)` returns, without jsonschema. Only the fields
    the schema names are converted and checked: no keyword looks at the others."""
    schema = _article_subset()
    data = doc.data
    if isinstance(data, dict) and all(type(key) is str for key in data):
        fields = schema["properties"]
        shown = {name: jsonable(data[name]) for name in fields if name in data}
    else:
        shown = jsonable(data)
    errors = sorted(_errors(schema, shown, ()), key=lambda e: list(map(str, e[0])))
    problems = []
    for field_path, kind, expected, instance in errors:
        if kind == "required":
            field_path = (*field_path, expected)
        field = _field_name(field_path)
        message, hint = _describe(kind, expected, instance, field, f"{kind} failed")
        problems.append(Problem(SourceRef(path, doc.line_of(field_path)), field, message, hint))
    return tuple(problems)
