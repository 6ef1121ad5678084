"""Rule packs: which rules run, at which severity, with which parameters.

Packs are YAML files in the top-level ``rules/`` folder (shipped inside the
package as ``auditor/_rules``). ``scan --rules NAME`` takes a pack name or a
path to a pack file.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from auditor.model import JSONValue, Severity


class PackError(ValueError):
    """A rule pack that cannot be used (one-line message)."""


class PackEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(description="Rule id or glob (e.g. network.*).")
    severity: Severity | None = None
    params: dict[str, JSONValue] = Field(default_factory=dict)
    enabled: bool = True


class RulePack(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    version: int = 1
    description: str = ""
    rules: list[PackEntry]

    def entries(self, known: dict[str, Any]) -> list[PackEntry]:
        """Concrete entries (globs expanded), later entries overriding earlier ones."""
        chosen: dict[str, PackEntry] = {}
        for entry in self.rules:
            ids = sorted(i for i in known if fnmatch.fnmatchcase(i, entry.id))
            if not ids:
                raise PackError(f"pack {self.name!r}: no rule matches {entry.id!r}")
            for rid in ids:
                prev = chosen.get(rid)
                merged = entry.model_copy(
                    update={
                        "id": rid,
                        "severity": entry.severity or (prev.severity if prev else None),
                        "params": {**(prev.params if prev else {}), **entry.params},
                    }
                )
                chosen[rid] = merged
        return [e for _, e in sorted(chosen.items()) if e.enabled]

    def narrowed(
        self,
        known: dict[str, Any],
        *,
        checks: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
        severities: tuple[str, ...] = (),
        paths: tuple[str, ...] = (),
    ) -> RulePack:
        """This pack with only the rules the command line chose (``--checks`` globs,
        minus ``--exclude-checks``, at ``--severity`` levels, on ``--paths``).

        The name says the pack was narrowed, so the bundle does not pass for a run of
        the whole pack. A glob that matches no rule of the pack is an error.
        """
        if not (checks or exclude or severities or paths):
            return self
        entries = self.entries(known)
        ids = [e.id for e in entries]
        for glob in (*checks, *exclude):
            if not any(fnmatch.fnmatchcase(i, glob) for i in ids):
                raise PackError(f"pack {self.name!r}: no rule matches {glob!r}")

        def kept(e: PackEntry) -> bool:
            rule = known[e.id]
            severity = (e.severity or rule.severity).value
            return (
                (not checks or any(fnmatch.fnmatchcase(e.id, g) for g in checks))
                and not any(fnmatch.fnmatchcase(e.id, g) for g in exclude)
                and (not severities or severity in severities)
                and (not paths or rule.path.value in paths)
            )

        dropped = [PackEntry(id=e.id, enabled=False) for e in entries if not kept(e)]
        if len(dropped) == len(entries):
            raise PackError(f"pack {self.name!r}: the selection leaves no rule to run")
        chosen = [
            f"{flag}={','.join(values)}"
            for flag, values in (
                ("checks", checks),
                ("exclude", exclude),
                ("severity", severities),
                ("paths", paths),
            )
            if values
        ]
        return self.model_copy(
            update={"name": f"{self.name}[{';'.join(chosen)}]", "rules": [*self.rules, *dropped]}
        )


def packs_dir() -> Path:
    """The rule pack folder: the wheel's packaged copy, or the checkout's ``rules/``.

    The packaged copy wins when present: ``site-packages/rules`` may be another
    distribution's package (django-rules installs one).
    """
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_rules"
    return packaged if packaged.is_dir() else here.parent / "rules"


def available_packs() -> list[str]:
    return sorted(p.stem for p in packs_dir().glob("*.yaml"))


def load_pack(name_or_path: str) -> RulePack:
    path = Path(name_or_path)
    if not path.suffix:
        path = packs_dir() / f"{name_or_path}.yaml"
        if not path.is_file():
            raise PackError(f"unknown rule pack {name_or_path!r}; available: {available_packs()}")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackError(f"{path}: cannot read rule pack ({exc.strerror})") from exc
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from auditor.base.bounded_yaml import YamlBoundsError, check_bounds

    try:
        check_bounds(text)
        data = YAML(typ="safe").load(text)
    except YamlBoundsError as exc:
        raise PackError(f"{path}:{exc.line or 1}:{exc.col or 1}: {exc.why}") from None
    except YAMLError as exc:
        raise PackError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    try:
        return RulePack.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise PackError(f"{path}: {err['msg']} at {where}") from None
