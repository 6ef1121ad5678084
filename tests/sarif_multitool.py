"""Microsoft's SARIF multitool, pinned in ``tools/sarif/`` (npm ``@microsoft/sarif-multitool``).

``make test`` and ``.ci/run`` install it with ``npm ci`` from the committed lock. Its
``validate`` command checks a log against the schema and its own rules; the GitHub
rules (``GH1001``...: what GitHub code scanning needs to ingest a log) are off by
default, so :func:`validate` turns every one of them on through the tool's own
configuration file (exported from the tool itself, so a rule a newer pin adds is
included) and runs the GitHub rule kind, or the general SARIF rules.

The tool is a self-contained .NET program; it runs in .NET's invariant-globalization
mode so that it needs no ICU library on the machine.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TOOL_DIR = ROOT / "tools" / "sarif"
_PLATFORM = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, "")
BINARY = (
    TOOL_DIR
    / "node_modules"
    / "@microsoft"
    / f"sarif-multitool-{_PLATFORM}"
    / ("Sarif.Multitool.exe" if _PLATFORM == "win32" else "Sarif.Multitool")
)
_ENV = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1", "DOTNET_NOLOGO": "1"}
_GH_RULE = re.compile(
    r'(<Properties Key="GH\d+\.[^"]+\.Options">\s*<Property Key="RuleEnabled" Value=")Default"'
)


@dataclass(frozen=True, kw_only=True)
class Issue:
    rule: str
    level: str
    text: str


def unavailable() -> str:
    """Why the pinned multitool cannot run here ("" when it can)."""
    if not _PLATFORM:
        return f"no SARIF multitool build for {sys.platform}"
    if not BINARY.is_file():
        return f"{BINARY.relative_to(ROOT)} is not installed (cd tools/sarif && npm ci)"
    try:
        done = subprocess.run(
            [str(BINARY), "--version"], env=_ENV, capture_output=True, text=True, timeout=120
        )
    except OSError as exc:
        return f"{BINARY.relative_to(ROOT)} does not run: {exc}"
    if done.returncode != 0 or "SARIF Multitool" not in done.stdout + done.stderr:
        return f"{BINARY.relative_to(ROOT)} --version failed: {done.stdout}{done.stderr}"
    return ""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BINARY), *args], env=_ENV, capture_output=True, text=True, timeout=300
    )


def github_rules_config(folder: Path) -> tuple[Path, list[str]]:
    """A configuration enabling every GitHub rule the tool has, and their ids."""
    exported = folder / "exported.xml"
    done = _run("export-validation-config", str(exported))
    assert done.returncode == 0 and exported.is_file(), done.stdout + done.stderr
    text = exported.read_text(encoding="utf-8-sig")
    rules = re.findall(r'<Properties Key="(GH\d+)\.', text)
    # each GitHub rule's RuleEnabled from Default (off, for them) to Error
    enabled, count = _GH_RULE.subn(r'\1Error"', text)
    assert count == len(rules) > 0, rules
    config = folder / "github-rules.xml"
    config.write_text(enabled, encoding="utf-8")
    return config, rules


def sarif_rules_config(folder: Path, *, information_uri_required: bool) -> Path:
    """A configuration for the general SARIF rules.

    SARIF2006 (URIs should be reachable) is off: it fetches every URI of the log, and
    tests reach nothing beyond loopback. ``information_uri_required`` is SARIF2005's own
    option for a tool that has no page to name.
    """
    config = folder / "sarif-rules.xml"
    required = "True" if information_uri_required else "False"
    config.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<Properties>\n'
        '  <Properties Key="SARIF2005.ProvideToolProperties.Options">\n'
        f'    <Property Key="InformationUriRequired" Value="{required}" Type="System.Boolean" />\n'
        "  </Properties>\n"
        '  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">\n'
        '    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />\n'
        "  </Properties>\n</Properties>\n",
        encoding="utf-8",
    )
    return config


def validate(log: Path, *, kind: str, config: Path | None = None) -> list[Issue]:
    """Every error, warning and note ``validate`` reports on ``log`` for rule ``kind``.

    Fails (AssertionError) when the tool itself fails: an analysis that did not run
    is never a clean result.
    """
    out = log.with_suffix(f".{kind.lower()}-validation.sarif")
    # the positional file first: option values that are lists would swallow it
    args = [str(log), "--rule-kind", kind, "--level", "Error;Warning;Note"]
    args += ["--output", str(out), "--log", "ForceOverwrite"]
    if config is not None:
        args += ["--config", str(config)]
    done = _run("validate", *args)
    assert out.is_file(), done.stdout + done.stderr
    run: dict[str, Any] = json.loads(out.read_text(encoding="utf-8-sig"))["runs"][0]
    (invocation,) = run["invocations"]
    failures = [
        n["message"]["text"].splitlines()[0]
        for n in invocation.get("toolExecutionNotifications", [])
        if n.get("level", "warning") == "error"
    ]
    assert invocation["executionSuccessful"] and not failures, failures
    return [
        Issue(
            rule=r["ruleId"],
            level=r.get("level", "warning"),
            text=f"{r['message'].get('id', '')} {r['message'].get('arguments', [])}",
        )
        for r in run.get("results", [])
    ]
