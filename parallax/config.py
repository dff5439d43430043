"""The digest's settings: defaults, types and ranges, read from `extra: digest:` in mkdocs.yml.

Every setting is a field of `Settings` with a `help` string, so the defaults and the docs come
from one place. Validation looks at every key at once and returns all the problems.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process, utils

from parallax.model import SourceRef
from parallax.problems import WARNING, Problem

CONFIG_KEY = "extra.digest"


def _setting(default: Any, help: str, low: float | None = None, high: float | None = None) -> Any:
    return field(default=default, metadata={"help": help, "low": low, "high": high})


@dataclass(frozen=True, slots=True)
class Settings:
    """The digest's settings. Field names are the keys under `extra: digest:`."""

    content_dir: str = _setting(
        "content", "Folder of articles and registries, relative to mkdocs.yml."
    )
    templates_dir: str = _setting("templates", "Folder of the Jinja2 page templates.")
    template_overrides_dir: str | None = _setting(
        None,
        "Optional folder searched before `templates_dir`; its templates may extend "
        "the defaults with a `default:` prefix.",
    )
    event_window_days: int = _setting(
        3, "Items are compared for the same event only within this many days of each other.", 0, 60
    )
    event_threshold: float = _setting(
        12.0,
        "Score (0-100) from shared names, places, figures and dates above which two items "
        "are the same event; calibrated on tests/eval/clusters.",
        0,
        100,
    )
    story_window_days: int = _setting(
        540, "Events are linked into one story only within this many days of each other.", 0, 3650
    )
    story_threshold: float = _setting(
        28.0, "Score (0-100) above which two events belong to the same story.", 0, 100
    )
    min_shared_terms: int = _setting(
        2, "Candidates for the same event must share at least this many rare terms.", 1, 10
    )
    point_threshold: float = _setting(
        60.0,
        "Similarity (0-100) above which two claims are taken to answer the same question.",
        0,
        100,
    )
    latest_stories: int = _setting(20, "How many stories the home page lists.", 1, 1000)
    max_file_bytes: int = _setting(
        2_000_000, "Content files larger than this are refused with a message.", 1_000, 100_000_000
    )
    max_items_per_article: int = _setting(
        500, "A live blog with more entries than this is refused with a message.", 1, 100_000
    )
    cache_dir: str = _setting(
        ".cache",
        "Folder of the incremental build cache, relative to mkdocs.yml: each article's analysis, "
        "keyed by its file's hash, the code and the settings; each file's hash with its "
        "stamp, so that an unchanged file is not read again; what lint, cluster and claims "
        "found for those articles; a manifest of the published pages, of where each event's "
        "lines are in `data/claims.json`, `data/points.json` and `data/events.json` and of "
        "the hand-written pages their links reach; "
        "the compiled templates. Safe to delete; `--no-cache` ignores it.",
    )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self))


SETTING_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _type_name(f: dataclasses.Field[Any]) -> str:
    text = str(f.type)
    if "int" in text:
        return "an integer"
    if "float" in text:
        return "a number"
    return "a string"


def _check_value(key: str, value: Any, where: SourceRef) -> tuple[Any, Problem | None]:
    f = SETTING_FIELDS[key]
    label = f"{CONFIG_KEY}.{key}"
    expected = _type_name(f)
    low, high = f.metadata["low"], f.metadata["high"]
    if value is None and "None" in str(f.type):
        return None, None
    ok_type = {
        "an integer": isinstance(value, int) and not isinstance(value, bool),
        "a number": isinstance(value, int | float) and not isinstance(value, bool),
        "a string": isinstance(value, str),
    }[expected]
    in_range = ok_type and (low is None or low <= value <= high)
    if in_range:
        return (float(value) if expected == "a number" else value), None
    wanted = expected if low is None else f"{expected} {_number(low)}–{_number(high)}"
    hint = f"the default is {f.default!r}; see the settings table in README.md"
    return None, Problem(where, label, f"expected {wanted}, got {value!r}", hint)


def settings_from_mapping(raw: Any, where: SourceRef) -> tuple[Settings, tuple[Problem, ...]]:
    """Settings from the `extra.digest` mapping, with every problem found in it."""
    if raw is None:
        return Settings(), ()
    if not isinstance(raw, Mapping):
        problem = Problem(where, CONFIG_KEY, f"expected a mapping, got {raw!r}")
        return Settings(), (problem,)
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key in sorted(raw, key=str):
        if key not in SETTING_FIELDS:
            problems.append(_unknown_key(str(key), where))
            continue
        value, bad = _check_value(key, raw[key], where)
        if bad is None:
            values[key] = value
        else:
            problems.append(bad)
    return Settings(**values), tuple(problems)


def _unknown_key(key: str, where: SourceRef) -> Problem:
    match = process.extractOne(
        key,
        list(SETTING_FIELDS),
        scorer=fuzz.ratio,
        processor=utils.default_process,
        score_cutoff=60,
    )
    hint = f'did you mean "{match[0]}"?' if match else "see the settings table in README.md"
    return Problem(where, f"{CONFIG_KEY}.{key}", "unknown setting", hint, severity=WARNING)


class _LenientLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, tolerating the `!!python/name:` and `!ENV` tags MkDocs allows."""


def _construct_unknown(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
    return None


_LenientLoader.add_multi_constructor("!", _construct_unknown)
_LenientLoader.add_multi_constructor("tag:yaml.org,2002:python/", _construct_unknown)


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """What the build needs from mkdocs.yml: MkDocs' own keys and the digest's settings."""

    site_name: str
    docs_dir: str
    site_dir: str
    settings: Settings


def load_config(abs_config_path: Path) -> tuple[SiteConfig, tuple[Problem, ...]]:
    """Read mkdocs.yml: the site's name and folders, and the digest's settings with problems."""
    where = SourceRef(abs_config_path.name, 1)
    try:
        text = abs_config_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = Problem(
            where, "", f"cannot read the settings: {exc}", "run from the project folder"
        )
        return SiteConfig("Parallax", "site_src", "site", Settings()), (problem,)
    try:
        raw = yaml.load(text, Loader=_LenientLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = Problem(SourceRef(where.path, line), "", f"invalid YAML: {exc}")
        return SiteConfig("Parallax", "site_src", "site", Settings()), (problem,)
    raw = raw if isinstance(raw, Mapping) else {}
    extra = raw.get("extra")
    settings, problems = settings_from_mapping(
        extra.get("digest") if isinstance(extra, Mapping) else None, where
    )
    if raw.get("use_directory_urls", True) is not True:
        # Links in the pages' HTML parts and the URLs in the data files are written as MkDocs
        # publishes pages with directory URLs (urls.site_url); other URLs would break them.
        problems += (_directory_urls_problem(text, where),)
    site = SiteConfig(
        site_name=str(raw.get("site_name") or "Parallax"),
        docs_dir=str(raw.get("docs_dir") or "docs"),
        site_dir=str(raw.get("site_dir") or "site"),
        settings=settings,
    )
    return site, problems


def _directory_urls_problem(config_text: str, where: SourceRef) -> Problem:
    lines = config_text.splitlines()
    line = next((n for n, text in enumerate(lines, 1) if text.startswith("use_directory_urls")), 1)
    return Problem(
        SourceRef(where.path, line),
        "use_directory_urls",
        "the digest's pages link to each other as MkDocs publishes them with directory URLs",
        "set use_directory_urls: true (the default) or remove the line",
    )


def settings_table() -> str:
    """The settings as a Markdown table, for the README; a test keeps the two in step."""
    rows = ["| setting | default | what it does |", "| --- | --- | --- |"]
    for f in dataclasses.fields(Settings):
        low, high = f.metadata["low"], f.metadata["high"]
        limits = f" ({_number(low)}–{_number(high)})" if low is not None else ""
        rows.append(f"| `{f.name}` | `{f.default!r}`{limits} | {f.metadata['help']} |")
    return "\n".join(rows)
