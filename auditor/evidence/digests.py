"""SHA-256 of the bundle members a report describes, each serialised once if it can be."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping


class HashedChunks:
    """A member's chunks, hashed as they are read.

    The bundle writer takes the digest from here instead of hashing a gigabyte of
    ``inventory.jsonl`` a second time.
    """

    def __init__(
        self, chunks: Iterable[bytes], done: Callable[[str], object] | None = None
    ) -> None:
        self._chunks = chunks
        self._done = done
        self._sha = hashlib.sha256()
        self._read = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self._sha.update(chunk)
            yield chunk
        self._read = True
        if self._done is not None:
            self._done(self._sha.hexdigest())

    def hexdigest(self) -> str:
        """The SHA-256 of every chunk (only once they have all been read)."""
        if not self._read:
            raise RuntimeError("digest asked for before the chunks were all read")
        return self._sha.hexdigest()


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

    def member(self, name: str) -> HashedChunks:
        """The member's chunks; their digest is kept once they have all been read."""
        return HashedChunks(
            self._sources[name](), lambda digest: self._done.setdefault(name, digest)
        )

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
