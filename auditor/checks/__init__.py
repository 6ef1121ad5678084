"""Rules: declared with :func:`rule` in any module of this package, found by discovery.

A rule's ``evaluate`` reads the graph and the declaration and yields
:class:`Judgement` values. The engine (:mod:`auditor.checks.engine`) turns them
into verdicts: it applies collection gaps (missing data is never a PASS),
waivers, and the rule pack's severities.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.base.services import check_services
from auditor.boundary import Declaration
from auditor.graph.build import BoundaryGraph
from auditor.model import Evidence, JSONValue, PathName, Severity, Status


@dataclass(frozen=True, kw_only=True)
class Judgement:
    """What a rule concluded about one resource, before gaps and waivers apply."""

    resource: str
    status: Status
    message: str
    evidence: Evidence = field(default_factory=Evidence)
    definite: bool = False
    """A FAIL proven by data that was seen, which no missing data could undo."""
    depends_on: tuple[str, ...] = ()
    """Other resource ids whose missing details would change this judgement."""
    nothing_found: bool = False
    """A NOT_APPLICABLE that rests on finding nothing to judge: gaps make it INCONCLUSIVE."""
    account: str = ""
    region: str = ""
    """Where to look for gaps when ``resource`` is not a collected resource."""
    aspect: str = ""
    """Which facet of ``resource`` is judged, when a rule judges one resource more than
    once (a traffic class): with rule and resource, the verdict's identity."""
    causes: tuple[str, ...] = ()
    """Ids of the resources (or relations) whose configuration must change to fix a FAIL;
    empty means ``resource`` itself. Verdicts sharing a cause form one finding."""
    affects: tuple[str, ...] = ()
    """Declared or platform resources the problem reaches (for the reader, not grouping)."""
    unmodelled: str = ""
    """For an INCONCLUSIVE with no collection gap behind it: the feature or state the
    model cannot judge, named (an INCONCLUSIVE needs a gap or this)."""


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    path: PathName
    severity: Severity
    title: str
    rationale: str
    remediation: str
    requires: tuple[str, ...]
    """Collector service names whose gaps make this rule's verdicts INCONCLUSIVE."""
    evaluate: Callable[[RuleContext], Iterable[Judgement]] = field(repr=False)
    params: Mapping[str, JSONValue] = field(default_factory=dict)


class RuleContext:
    """What a rule sees: the graph, the declaration, its parameters, and helpers."""

    def __init__(
        self,
        *,
        rule: Rule,
        graph: BoundaryGraph,
        declaration: Declaration,
        params: Mapping[str, JSONValue],
    ) -> None:
        self.rule = rule
        self.graph = graph
        self.declaration = declaration
        self.params = params

    def finding(
        self,
        status: Status,
        resource: str,
        message: str,
        *,
        nodes: Sequence[str] = (),
        edges: Sequence[tuple[str, str, str]] = (),
        attributes: Mapping[str, JSONValue] | None = None,
        definite: bool = False,
        depends_on: Sequence[str] = (),
        account: str = "",
        region: str = "",
        nothing_found: bool = False,
    ) -> Judgement:
        node_list = [resource, *nodes] if resource not in nodes else list(nodes)
        return Judgement(
            resource=resource,
            status=status,
            message=message,
            evidence=Evidence(
                nodes=tuple(dict.fromkeys(node_list)),
                edges=tuple(edges),
                attributes=dict(attributes or {}),
            ),
            definite=definite,
            depends_on=tuple(depends_on),
            account=account,
            region=region,
            nothing_found=nothing_found,
        )

    def passed(self, resource: str, message: str, **kw: Any) -> Judgement:
        return self.finding(Status.PASS, resource, message, **kw)

    def failed(self, resource: str, message: str, **kw: Any) -> Judgement:
        return self.finding(Status.FAIL, resource, message, **kw)

    def inconclusive(self, resource: str, message: str, **kw: Any) -> Judgement:
        return self.finding(Status.INCONCLUSIVE, resource, message, **kw)

    def not_applicable(self, resource: str, message: str, **kw: Any) -> Judgement:
        """The rule cannot judge this resource (its cloud has no such concept)."""
        return self.finding(Status.NOT_APPLICABLE, resource, message, **kw)

    def nothing_to_judge(self, resource: str, message: str, **kw: Any) -> Judgement:
        """NOT_APPLICABLE because the collected estate holds nothing the rule judges.

        Unlike a NOT_APPLICABLE the declaration decides, it rests on an absence, so a
        collection gap where it looked makes it INCONCLUSIVE (never a PASS either way).
        """
        return self.finding(Status.NOT_APPLICABLE, resource, message, nothing_found=True, **kw)

    def not_judged_on(self, clouds: Sequence[str], why: str) -> list[Judgement]:
        """NOT_APPLICABLE for every scanned account of ``clouds``: the rule cannot judge them.

        One verdict per account (``scope:{cloud}/{account}/*``), so a reader sees which
        accounts the rule said nothing about, and why, instead of a PASS.
        """
        from auditor.analysis.scanned import scanned_accounts

        return [
            self.not_applicable(
                f"scope:{cloud}/{account}/*",
                f"{self.rule.id} cannot judge {cloud} account {account}: {why}",
                account=account,
                region="*",
            )
            for cloud, account in scanned_accounts(self.graph.inventory, self.declaration)
            if cloud in clouds
        ]

    def scan_scope(self) -> str:
        """The id of a verdict about the whole scan: ``scope:{cloud}/*/*`` for one cloud,
        ``scope:*`` for several, so the gaps of every scanned cloud apply to it."""
        clouds = sorted(self.scanned_clouds())
        return f"scope:{clouds[0]}/*/*" if len(clouds) == 1 else "scope:*"

    def scanned_clouds(self) -> set[str]:
        """The clouds of every account in the scan's scope."""
        from auditor.analysis.scanned import scanned_accounts

        return {c for c, _ in scanned_accounts(self.graph.inventory, self.declaration)}


_RULES: dict[str, Rule] = {}
_LOADED = False


def rule(
    *,
    id: str,
    path: PathName,
    severity: Severity,
    title: str,
    rationale: str,
    remediation: str,
    requires: Sequence[str] = (),
    params: Mapping[str, JSONValue] | None = None,
) -> Callable[
    [Callable[[RuleContext], Iterable[Judgement]]], Callable[[RuleContext], Iterable[Judgement]]
]:
    """Register the decorated function as the evaluation of rule ``id``."""
    if not id.startswith(f"{path.value}."):
        raise ValueError(f"rule id {id!r} must start with its path {path.value!r}")
    check_services(tuple(requires), f"rule {id} requires")  # a typo would never be a gap

    def register(
        fn: Callable[[RuleContext], Iterable[Judgement]],
    ) -> Callable[[RuleContext], Iterable[Judgement]]:
        if id in _RULES and _RULES[id].evaluate is not fn:
            raise RuntimeError(f"rule {id} defined twice")
        _RULES[id] = Rule(
            id=id,
            path=path,
            severity=severity,
            title=title,
            rationale=rationale,
            remediation=remediation,
            requires=tuple(requires),
            evaluate=fn,
            params=dict(params or {}),
        )
        return fn

    return register


def all_rules() -> dict[str, Rule]:
    """Every rule in the package, by id (modules imported once, by discovery)."""
    global _LOADED
    if not _LOADED:
        for info in pkgutil.iter_modules(__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{__name__}.{info.name}")
        _LOADED = True
    return dict(sorted(_RULES.items()))
