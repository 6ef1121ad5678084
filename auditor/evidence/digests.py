"""SHA-256 of the bundle members a report describes, each serialised once if it can be."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping


class EvidenceDigests(Mapping[str, str]):
    """SHA-256 of the bundle members a report describes, each serialised once if it can be.

    :meth:`member` is the member itself: it yields the chunks and keeps their digest,
    so a report written after it (``inventory.jsonl`` sorts before ``report.*``) does
    not serialise it again; a digest asked for first is computed by streaming the
    same chunks. Either way the value is the digest SHA256SUMS lists.
    """

    def __init__(self, sources: Mapping[str, Callable[[], Iterable[bytes]]]) -> None:
        self._sources = dict(sources)
        self._done: dict[str, str] = {}

    def member(self, name: str) -> Iterator[bytes]:
        h = hashlib.sha256()
        for chunk in self._sources[name]():
            h.update(chunk)
            yield chunk
        self._done.setdefault(name, h.hexdigest())

    def __getitem__(self, name: str) -> str:
        if name not in self._done:
            h = hashlib.sha256()
            for chunk in self._sources[name]():
                h.update(chunk)
            self._done[name] = h.hexdigest()
        return self._done[name]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._sources))

    def __len__(self) -> int:
        return len(self._sources)
