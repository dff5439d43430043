"""The registries of a content folder: sources, actors, terms and overrides.

Parses already-read YAML documents into frozen registry objects; reading files is left to
`ingest`. Every problem is located at the line of the entry that causes it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from parallax.frontmatter import YamlDoc
from parallax.model import Actor, Override, Source, SourceRef, Term, TermVariant
from parallax.problems import WARNING, Problem
from parallax.schema import validate

REGISTRY_FILES = ("sources.yml", "actors.yml", "terms.yml", "overrides.yml")


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _opt_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _str_tuple(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _entries(doc: YamlDoc, path: str) -> list[tuple[str, dict[str, Any], SourceRef]]:
    """The (key, fields, where) of each valid-looking entry, sorted by key."""
    if not isinstance(doc.data, dict):
        return []
    return [
        (str(key), value, SourceRef(path, doc.line_of((key,))))
        for key, value in sorted(doc.data.items(), key=lambda kv: str(kv[0]))
        if isinstance(value, dict)
    ]


def parse_sources(doc: YamlDoc, path: str) -> tuple[tuple[Source, ...], tuple[Problem, ...]]:
    """Sources from sources.yml; an entry with errors is left out and its problems returned."""
    problems = validate("sources", doc, path)
    bad = {p.field.split(".")[0] for p in problems}
    sources = tuple(
        Source(
            key=key,
            name=f["name"],
            domain=f["domain"],
            country=f["country"],
            group=f["group"],
            ownership=_opt_str(f.get("ownership")),
            notes=_opt_str(f.get("notes")),
            origin=where,
            since=_opt_date(f.get("since")),
        )
        for key, f, where in _entries(doc, path)
        if key not in bad
    )
    return sources, problems


def parse_actors(doc: YamlDoc, path: str) -> tuple[tuple[Actor, ...], tuple[Problem, ...]]:
    """Actors from actors.yml."""
    problems = validate("actors", doc, path)
    bad = {p.field.split(".")[0] for p in problems}
    actors = tuple(
        Actor(
            key=key,
            name=f["name"],
            aliases=_str_tuple(f.get("aliases")),
            affiliation=_opt_str(f.get("affiliation")),
            side=_opt_str(f.get("side")),
            origin=where,
        )
        for key, f, where in _entries(doc, path)
        if key not in bad
    )
    return actors, problems + _alias_clashes(actors)


def _alias_clashes(actors: tuple[Actor, ...]) -> tuple[Problem, ...]:
    owner: dict[str, str] = {}
    problems = []
    for actor in actors:
        for name in (actor.name, *actor.aliases):
            first = owner.setdefault(name.casefold(), actor.key)
            if first != actor.key:
                problems.append(
                    Problem(
                        actor.origin,
                        f"{actor.key}.aliases",
                        f'"{name}" is also a name of "{first}"',
                        "an alias must point to one actor; drop it from one of them",
                        WARNING,
                    )
                )
    return tuple(problems)


def parse_terms(doc: YamlDoc, path: str) -> tuple[tuple[Term, ...], tuple[Problem, ...]]:
    """Contested terms from terms.yml."""
    problems = validate("terms", doc, path)
    bad = {p.field.split(".")[0] for p in problems}
    terms = tuple(
        Term(
            key=key,
            concept=f["concept"],
            origin=where,
            variants=tuple(
                TermVariant(v["text"], _str_tuple(v.get("used_by"))) for v in f["variants"]
            ),
        )
        for key, f, where in _entries(doc, path)
        if key not in bad
    )
    return terms, problems


_TARGET_FIELDS = {
    "merge": ("events",),
    "split": ("items",),
    "exclude": ("items",),
    "retitle": ("event", "story"),
}


def parse_overrides(doc: YamlDoc, path: str) -> tuple[tuple[Override, ...], tuple[Problem, ...]]:
    """Editorial overrides from overrides.yml; a list of decisions, each with its reason."""
    problems = validate("overrides", doc, path)
    bad = {int(p.field.split(".")[0]) for p in problems if p.field.split(".")[0].isdigit()}
    if not isinstance(doc.data, list):
        return (), problems
    overrides = []
    for index, entry in enumerate(doc.data):
        if index in bad or not isinstance(entry, dict):
            continue
        kind = next(f for f in _TARGET_FIELDS[entry["action"]] if f in entry)
        targets = entry[kind]
        overrides.append(
            Override(
                action=entry["action"],
                reason=entry["reason"],
                target_kind=kind,
                targets=tuple(targets) if isinstance(targets, list) else (targets,),
                title=_opt_str(entry.get("title")),
                origin=SourceRef(path, doc.line_of((index,))),
            )
        )
    return tuple(overrides), problems


def check_cross_references(
    sources: tuple[Source, ...], terms: tuple[Term, ...]
) -> tuple[Problem, ...]:
    """Warn about term variants attributed to a source group no source belongs to."""
    groups = {s.group for s in sources}
    return tuple(
        Problem(
            term.origin,
            f"{term.key}.variants",
            f'unknown source group "{group}" in used_by',
            f"known groups: {', '.join(sorted(groups)) or 'none yet'} (see sources.yml)",
            WARNING,
        )
        for term in terms
        for group in sorted({g for v in term.variants for g in v.used_by} - groups)
    )
