"""Root causes: FAIL and WAIVED verdicts that share a cause are one finding.

A verdict's causes are the ids whose configuration must change to fix it
(``Verdict.causes``; empty means its own resource). Verdicts that share any
cause, directly or through others, are one finding (connected components of a
union-find). A finding's id is derived from its sorted causes only, never from
verdict order or messages, so the same estate gets the same ids on every scan,
re-evaluation and replay.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from auditor.model import Finding, Status, Verdict

GROUPED = (Status.FAIL, Status.WAIVED)
"""Statuses whose verdicts belong to a finding."""


def _keys(v: Verdict) -> tuple[str, ...]:
    """What ``v`` is grouped by: its causes, or its resource when it names none.

    A whole-scope verdict (``scope:...``) with no cause is keyed by its rule as well:
    a scope is not a configuration, and two rules failing on one region for
    unrelated reasons are two problems.
    """
    if v.causes:
        return tuple(sorted(set(v.causes)))
    if v.resource.startswith("scope:"):
        return (f"{v.rule}@{v.resource}",)
    return (v.resource,)


def finding_id(keys: Iterable[str]) -> str:
    """``F-`` and 12 hex digits of the SHA-256 of the sorted, distinct keys."""
    text = "\n".join(sorted(set(keys)))
    return "F-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def _components(verdicts: Sequence[Verdict]) -> list[list[int]]:
    """Indices of the grouped verdicts, one list per connected component."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    members: list[tuple[int, tuple[str, ...]]] = []
    for i, v in enumerate(verdicts):
        if v.status not in GROUPED:
            continue
        keys = _keys(v)
        for k in keys:
            parent.setdefault(k, k)
        root = find(keys[0])
        for k in keys[1:]:
            other = find(k)
            if other != root:
                # the smaller key is the root, so the result does not depend on order
                root, other = min(root, other), max(root, other)
                parent[other] = root
        members.append((i, keys))
    groups: dict[str, list[int]] = {}
    for i, keys in members:
        groups.setdefault(find(keys[0]), []).append(i)
    return list(groups.values())


def _ids(verdicts: Sequence[Verdict]) -> dict[int, str]:
    out: dict[int, str] = {}
    for group in _components(verdicts):
        fid = finding_id(k for i in group for k in _keys(verdicts[i]))
        out.update((i, fid) for i in group)
    return out


def assign_findings(verdicts: Sequence[Verdict]) -> list[Verdict]:
    """``verdicts`` in the same order, each FAIL/WAIVED one with its finding id set
    (and every other with none)."""
    ids = _ids(verdicts)
    return [
        v if v.finding == ids.get(i, "") else replace(v, finding=ids.get(i, ""))
        for i, v in enumerate(verdicts)
    ]


def _worst_first(v: Verdict) -> tuple[int, int, str, str, str]:
    return (-v.severity.rank, v.status is not Status.FAIL, v.rule, v.resource, v.message)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def findings_of(
    verdicts: Sequence[Verdict], remediation: Mapping[str, str] | None = None
) -> list[Finding]:
    """The findings of ``verdicts``, most severe first.

    ``remediation`` maps a rule id to its remediation text (the rule docs): the
    fix of a finding is that of each of its rules, worst verdict's rule first.
    """
    fixes = remediation or {}
    ids = _ids(verdicts)
    out: list[Finding] = []
    for group in _components(verdicts):
        vs = sorted((verdicts[i] for i in group), key=_worst_first)
        worst = vs[0]
        rules = list(dict.fromkeys(v.rule for v in vs))
        summary = _sentence(worst.message)
        if len(vs) > 1:
            summary = (
                f"{summary.rstrip('.')} ({len(vs)} verdicts of {len(rules)} rule(s) "
                "share this cause)."
            )
        fix = " ".join(
            dict.fromkeys(_sentence(fixes[r]) for r in rules if fixes.get(r, "").strip())
        )
        out.append(
            Finding(
                id=ids[group[0]],
                severity=worst.severity,
                status=(Status.FAIL if any(v.status is Status.FAIL for v in vs) else Status.WAIVED),
                summary=summary,
                fix=fix,
                causes=tuple(sorted({c for v in vs for c in (v.causes or (v.resource,))})),
                affects=tuple(sorted({a for v in vs for a in v.affects})),
                verdicts=tuple(sorted({(v.rule, v.resource) for v in vs})),
            )
        )
    return sorted(
        out, key=lambda f: (-f.severity.rank, f.status is not Status.FAIL, f.verdicts, f.id)
    )
