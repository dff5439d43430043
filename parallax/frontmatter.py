"""Reading YAML safely, keeping the line of every key, and splitting a file's front matter.

Pure: works on text already read. YAML is composed into nodes first, so that aliases
("billion laughs"), deep nesting and huge documents are refused before anything is built,
and so that every value can be traced back to the line it came from.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

try:  # the C loader is about 11 times faster (MEASUREMENTS.md)
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - only without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 20
MAX_NODES = 20_000


@dataclass(frozen=True, slots=True)
class YamlDoc:
    """A parsed YAML document: the plain data, and where each key sits."""

    data: Any
    lines: dict[tuple[str | int, ...], int]  # path of keys/indexes -> 1-based line of the value

    def line_of(self, path: tuple[str | int, ...], default: int = 1) -> int:
        """The line of the deepest known part of `path`."""
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.lines:
                return self.lines[path[:cut]]
        return default


class YamlProblem(Exception):
    """A YAML document that cannot be read; carries the 1-based line and a hint."""

    def __init__(self, message: str, line: int, hint: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint
        self.field = field  # the dotted key of the bad value, when known


def _check_key(key: str, line: int) -> None:
    """Refuse a key with a line break or an invisible character.

    Keys become paths, URLs and ids. A `$`-anchored pattern (the schemas', Python's `re`)
    accepts a key that ends in "\n", which then broke the build with a traceback (#7).
    """
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in key):
        raise YamlProblem(
            f"the key {json.dumps(key)} contains a line break or an invisible character",
            line,
            "keys are plain names: write the key without it",
        )


def _too_big(line: int) -> YamlProblem:
    return YamlProblem(
        f"the YAML is nested deeper than {MAX_DEPTH} levels or has more than {MAX_NODES} values",
        line,
        "content files hold flat, small mappings",
    )


def _walk(
    node: yaml.Node, path: tuple[str | int, ...], seen: set[int], parent_line: int
) -> Iterator[tuple[tuple[str | int, ...], yaml.Node, int]]:
    """Every node with its path and line (a mapping value's is its key's line).

    An alias (a node met twice) is refused at the line that refers to it.
    """
    if id(node) in seen:
        raise YamlProblem(
            "aliases (*name) are not allowed",
            parent_line,
            "write the value out in full instead of referring to an anchor",
        )
    seen.add(id(node))
    if len(path) > MAX_DEPTH or len(seen) > MAX_NODES:
        raise _too_big(parent_line)
    yield path, node, parent_line
    line = node.start_mark.line
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            _check_key(key, key_node.start_mark.line)
            yield from _walk(value_node, (*path, key), seen, key_node.start_mark.line)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            child_line = line if id(child) in seen else child.start_mark.line
            yield from _walk(child, (*path, index), seen, child_line)


def _check_events(text: str, first_line: int) -> None:
    """Refuse deep nesting and huge documents from the event stream, before any node exists.

    libyaml composes nodes recursively (a 100,000-deep `[[[...` crashes the interpreter) and
    scans nested flows in quadratic time, so these limits must stop the parser early (#7).
    `_walk` then checks the composed nodes exactly.
    """
    depth = count = 0
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.NodeEvent):
                count += 1  # keys and values: a document of n values has at most 2n + 1 nodes
                if depth > MAX_DEPTH or count > 2 * MAX_NODES + 1:
                    raise _too_big((event.start_mark.line if event.start_mark else 0) + first_line)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()


def parse_yaml(text: str, first_line: int = 1) -> YamlDoc:
    """Parse one YAML document; `first_line` is the file line the text starts on.

    Raises YamlProblem with the line where the document breaks.
    """
    loader = _Loader(text)
    try:
        _check_events(text, first_line)
        node = loader.get_single_node()
        if node is None:
            return YamlDoc(None, {})
        try:
            nodes = list(_walk(node, (), set(), 0))
        except YamlProblem as exc:
            exc.line += first_line
            raise
        lines = {path: line + first_line for path, _, line in nodes}
        data = _construct(loader, node, nodes, first_line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "end of stream" in (exc.problem or "") and exc.context_mark is not None:
            mark = exc.context_mark  # an unclosed quote or bracket: point where it opens
        line = (mark.line if mark is not None else 0) + first_line
        if "nesting depth" in (exc.problem or ""):
            # Newer libyaml stops deep flows in its scanner, before _check_events sees them.
            raise _too_big(line) from None
        reason = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark is not None and exc.problem_mark is not None:
            reason += f" ({exc.context} that starts on line {exc.context_mark.line + first_line})"
        raise YamlProblem(
            f"invalid YAML: {reason}",
            line,
            "check the indentation and quote values that contain a colon or start with a quote",
        ) from None
    except yaml.reader.ReaderError as exc:  # its text spans lines and names "<unicode string>"
        raise YamlProblem(
            f"invalid YAML: the character U+{exc.character:04X} is not allowed",
            text[: exc.position].count("\n") + first_line,
            "remove it: YAML allows no control characters other than tabs and line breaks",
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {exc}", first_line, "check the YAML syntax") from None
    finally:
        loader.dispose()
    return YamlDoc(data, lines)


def _construct(
    loader: Any, node: yaml.Node, nodes: list[tuple[Any, yaml.Node, int]], first_line: int
) -> Any:
    """Build the data; a value YAML recognises but cannot build (2024-02-30) names its line."""
    try:
        return loader.construct_document(node)
    except (ValueError, TypeError, OverflowError) as exc:
        bad_line, field = first_line, ""
        for path, child, _ in nodes:
            if isinstance(child, yaml.ScalarNode) and child.tag.endswith(":timestamp"):
                try:
                    yaml.safe_load(child.value)
                except (ValueError, TypeError, OverflowError):
                    bad_line = child.start_mark.line + first_line
                    field = ".".join(map(str, path))
                    break
        raise YamlProblem(
            f"not a real date: {exc}",
            bad_line,
            "check that the date exists, in YYYY-MM-DD form",
            field,
        ) from None


@dataclass(frozen=True, slots=True)
class Split:
    """A content file cut into its front matter and body."""

    front_matter: str
    front_matter_line: int  # file line of the first front-matter line
    body: str
    body_line: int  # file line of the first body line


def split_front_matter(text: str) -> Split:
    """Cut `---` front matter from the body. Raises YamlProblem when the fences are wrong."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise YamlProblem(
            "the file does not start with a front-matter line '---'",
            1,
            "start the file with '---', then the fields (title, source, published), then '---'",
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return Split(
                front_matter="\n".join(lines[1:index]),
                front_matter_line=2,
                body="\n".join(lines[index + 1 :]),
                body_line=index + 2,
            )
    raise YamlProblem(
        "the front matter has no closing '---'",
        1,
        "add a line '---' after the last field, before the article text",
    )
