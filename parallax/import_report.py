"""The import report: what happened to each input, in plain text and as JSON.

Pure; no I/O. One `ImportedFile` per file, URL or feed entry: created or skipped and why,
the noise removed, and what the contributor must review (TODO fields, a copy's original, a
sources.yml entry to add for a new outlet).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CREATED, OVERWRITTEN, SKIPPED = "created", "overwritten", "skipped"
WOULD_CREATE, WOULD_OVERWRITE = "would create", "would overwrite"


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """What happened to one input file, URL or feed entry."""

    input_path: str  # as given; a feed entry is "<feed> [<n>]"
    dest_path: str | None  # relative to the content root, "/"-separated; None when skipped
    status: str  # "created" | "overwritten" | "skipped" | "would create" | "would overwrite"
    reason: str | None  # why skipped
    removed: tuple[str, ...]  # "line 4: repeated photo caption: <start of text>"
    todos: tuple[str, ...]  # front-matter fields left as TODO for the contributor
    duplicate_of: str | None = None  # an article already in the corpus with this URL or text
    syndicated_from: str | None = None  # the source whose text this is, when it is a copy
    review: tuple[str, ...] = ()  # what else a person must check, one sentence each
    source_entry: str | None = None  # a sources.yml entry to paste for an unknown domain

    @property
    def needs_review(self) -> bool:
        """True when the written file still has something for a person to do."""
        return bool(self.todos or self.review or self.source_entry)


def report_json(report: ImportedFile) -> dict[str, Any]:
    """One input's report as a JSON object; the first six keys are the original ones."""
    return {
        "input": report.input_path,
        "output": report.dest_path,
        "status": report.status,
        "reason": report.reason,
        "removed": list(report.removed),
        "todo": list(report.todos),
        "duplicate_of": report.duplicate_of,
        "syndicated_from": report.syndicated_from,
        "review": list(report.review),
        "source_entry": report.source_entry,
    }


def report_text(report: ImportedFile) -> str:
    """One input's report as indented lines: status and file, then the details."""
    head = f"{report.status}: {report.dest_path or report.input_path}"
    if report.reason:
        head += f" ({report.reason})"
    lines = [head]
    if report.dest_path and report.input_path.startswith(("http://", "https://")):
        lines.append(f"  from {report.input_path}")
    lines += [f"  removed {line}" for line in report.removed]
    if report.syndicated_from:
        lines.append(f"  syndicated_from: {report.syndicated_from}")
    lines += [f"  review: {line}" for line in report.review]
    if report.source_entry:
        lines.append("  add this outlet to content/sources.yml, then fill its TODOs:")
        lines += [f"    {line}" for line in report.source_entry.rstrip("\n").split("\n")]
    lines += [f"  TODO: {field}" for field in report.todos]
    return "\n".join(lines)


def summary_line(reports: tuple[ImportedFile, ...]) -> str:
    """ "2 created, 1 skipped, 1 to review" for the end of a run."""
    written = sum(1 for r in reports if r.status != SKIPPED)
    skipped = len(reports) - written
    review = sum(1 for r in reports if r.status != SKIPPED and r.needs_review)
    verb = "planned" if any(r.status.startswith("would") for r in reports) else "written"
    return f"{written} {verb}, {skipped} skipped, {review} to review"
