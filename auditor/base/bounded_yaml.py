"""YAML read within bounds: size, aliases and nesting are checked before anything is built.

A 368-byte alias bomb expands to gigabytes, and a deeply nested document makes the
composer recurse until Python gives up. Every YAML the auditor reads from a user or a
bundle (declarations, rule packs) is first streamed as parser events, which builds
nothing, and refused when it is too large, names too many aliases or nests too deep.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ALIASES = 100
"""A hand-written declaration reuses a tag block a few times; a bomb needs thousands."""
MAX_DEPTH = 64
"""The deepest declaration field is under ten levels; 64 leaves room and stops recursion."""


@dataclass(frozen=True, kw_only=True)
class YamlLimits:
    """The bounds one kind of document is read within."""

    max_bytes: int = 1 << 20
    max_aliases: int = MAX_ALIASES
    max_depth: int = MAX_DEPTH
    max_expanded: int = 10_000
    """Nodes that aliases may add in all (a bomb's few aliases stand for millions)."""


class YamlBoundsError(ValueError):
    """A document outside its bounds; ``line``/``col`` (1-based) say where, when known."""

    def __init__(self, why: str, line: int | None = None, col: int | None = None) -> None:
        self.why, self.line, self.col = why, line, col
        super().__init__(why)


def check_bounds(text: str, limits: YamlLimits = YamlLimits()) -> None:
    """Raise :class:`YamlBoundsError` when ``text`` is outside ``limits``.

    YAML syntax errors found on the way propagate as ruamel's own errors, so the
    caller reports them as it reports any syntax error.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        ScalarEvent,
    )

    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise YamlBoundsError(
            f"the document is {size} bytes, more than the {limits.max_bytes} a declaration may be"
        )
    aliases = 0
    sizes: dict[str, int] = {}  # anchor -> nodes it stands for, expanded
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, nodes so far) per open collection
    total = 0
    for event in YAML(typ="rt").parse(text):
        grew = 0
        if isinstance(event, CollectionStartEvent):
            open_nodes.append((event.anchor, 1))
            if len(open_nodes) > limits.max_depth:
                raise YamlBoundsError(
                    f"nested deeper than {limits.max_depth} levels", *_mark(event)
                )
        elif isinstance(event, CollectionEndEvent):
            anchor, nodes = open_nodes.pop()
            if anchor is not None:
                sizes[anchor] = nodes
            grew = nodes
        elif isinstance(event, AliasEvent):
            aliases += 1
            if aliases > limits.max_aliases:
                raise YamlBoundsError(
                    f"more than {limits.max_aliases} aliases (*name); expand them", *_mark(event)
                )
            if any(event.anchor == a for a, _ in open_nodes):
                raise YamlBoundsError(
                    f"alias *{event.anchor} refers to a node that contains it", *_mark(event)
                )
            grew = sizes.get(str(event.anchor), 1)
            total += grew
        elif isinstance(event, ScalarEvent):
            grew = 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        if grew and open_nodes:
            anchor, nodes = open_nodes[-1]
            open_nodes[-1] = (anchor, nodes + grew)
        if total > limits.max_expanded:
            raise YamlBoundsError(
                f"aliases expand to more than {limits.max_expanded} nodes", *_mark(event)
            )


def _mark(event: object) -> tuple[int | None, int | None]:
    mark = getattr(event, "start_mark", None)
    if mark is None:
        return None, None
    return int(mark.line) + 1, int(mark.column) + 1
