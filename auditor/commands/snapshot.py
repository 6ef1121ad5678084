"""``auditor snapshot``: an incident boundary snapshot, diffed against the last good one.

During an incident the question is "what can reach what now that could not
before?". The snapshot collects everything in scope as fast as it can (more
parallel units, fewer retries than ``scan``: a throttled call becomes a gap
quickly instead of a slow success), writes and signs a normal evidence bundle,
and diffs it against a named last-good bundle, verified first (and its
signature checked with ``--public-key`` or ``$AUDITOR_TRUSTED_KEYS``) and
then held in memory: the diff is computed from the bytes that were verified,
never from a second read of last-good (which could have been swapped while
collection ran). It prints first the crossings observed in flow records that
last-good did not observe (flows are read by default over the last hour:
``--flows-since`` sets the window, ``--no-flows`` turns them off), next to the
zone crossings and access paths (``control.can_assume`` / ``control.can_act_on``)
that are new in the configuration since last-good, then the rest of the diff
(new and fixed root-cause findings by id first, then verdicts), then the usual
scan summary.

Exit codes (those of ``scan``, with last-good as the baseline):
0 nothing new: no new crossing or access path, no new FAIL at or above
``--fail-on``; 1 a new zone crossing or access path (an observed crossing counts
when last-good read flow records too), or a FAIL at or above
``--fail-on`` that last-good did not have (or an expired waiver); 2 usage or
input error (bad declaration, last-good missing, not intact or not signed by
``--public-key``, unwritable output; nothing is collected or written);
3 with ``--strict``: nothing new, but the snapshot was incomplete (gaps);
4 the bundle was written but ``--upload`` failed. ``--keep-raw`` and
``--upload`` work as for ``scan``. ``--json``: stdout holds one object, scan's
summary with ``diff`` (``auditor diff --json``'s object) and ``new_paths``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from auditor.commands._bundle_options import RuleChoice, bundle_options
from auditor.commands._credentials import CloudAuth, credential_options
from auditor.commands._scale import _flows_since

SNAPSHOT_WORKERS = 64
SNAPSHOT_ATTEMPTS = 2
"""botocore attempts per call (the first try included): one retry, then a gap."""
SNAPSHOT_FLOWS = "1h"
"""The observed-flow window a snapshot reads unless told otherwise: short, so it stays fast."""


class _WhatIsNew:
    """Once the snapshot bundle is written: print what is new since last-good, crossings
    and access paths first, and count the new paths (they make the exit code 1)."""

    def __init__(self, last_good: Any) -> None:
        self.last_good = last_good
        self.new_paths = 0
        self.began = time.monotonic()
        self.diff: dict[str, Any] = {}

    def __call__(self, console: Any, bundle: Path) -> None:
        from rich.text import Text

        from auditor.analysis.data_movement import movement_map, new_crossings, observed_text
        from auditor.commands._common import fail_with
        from auditor.commands.diff import diff_loaded, inert_text
        from auditor.evidence.bundle import BundleError
        from auditor.evidence.diff import plain, render_new_paths, render_text
        from auditor.evidence.load import load_bundle

        try:  # last-good: the verified bytes in memory; the snapshot: the bundle just written
            taken = load_bundle(bundle)
            result = diff_loaded(self.last_good, taken)
        except BundleError as exc:
            fail_with(f"cannot diff the snapshot: {exc}")
        self.diff = result.to_dict()
        self.new_paths += len(result.crossings_added) + len(result.access_added)
        now = movement_map(taken.inventory.resources)
        before = movement_map(self.last_good.inventory.resources)
        if before is not None:  # new observed crossings count when last-good read flows too
            self.new_paths += len(new_crossings(before, now))
        console.print(Text(inert_text(observed_text(before, now, plain(result.old))), end=""))
        console.print(Text(inert_text(render_new_paths(result)), end=""))
        console.print(Text(inert_text(render_text(result, without_new_paths=True)), end=""))
        took = time.monotonic() - self.began
        console.print(Text(f"snapshot collected and written in {took:.1f}s"))

    def settle(self, code: int) -> tuple[int, dict[str, Any]]:
        """The exit code (a new path makes 0 or 3 a 1; 4, upload failed, stays
        visible) and the JSON summary's ``diff`` (``auditor diff --json``'s object)
        and ``new_paths``."""
        if self.new_paths and code in (0, 3):
            code = 1
        return code, {"diff": self.diff, "new_paths": self.new_paths}


@click.command(name="snapshot")
@bundle_options("boundary")
@click.option(
    "--last-good",
    "last_good",
    required=True,
    type=click.Path(path_type=Path),
    help="The last known-good bundle (folder or .tar.gz) to diff against.",
)
@bundle_options("public-key")
@click.option(
    "--flows-since",
    default=SNAPSHOT_FLOWS,
    show_default=True,
    metavar="DURATION",
    callback=_flows_since,
    help="Read observed flows (flow log records) of the last DURATION, at most 10000 per "
    "interface (docs/observed-flows.md); new observed crossings are printed first.",
)
@click.option(
    "--no-flows",
    is_flag=True,
    help="Do not read flow log records (the snapshot then shows configured crossings only).",
)
@bundle_options(
    "sign-key",
    "profile",
    "region",
    "assume-role",
    "external-id",
    "out",
    "rules",
    "fail-on",
    "strict",
    "workers",
    "keep-raw",
    "upload",
    bundle="snapshot bundle",
    fail_on="Lowest severity whose new FAIL exits 1.",
    workers=SNAPSHOT_WORKERS,
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON summary on stdout (the object scan --json prints, with the diff "
    "against last-good as diff --json prints it and new_paths); the rest goes to stderr.",
)
@credential_options
def snapshot(
    declaration: Path,
    last_good: Path,
    public_key: Path | None,
    flows_since: int,
    no_flows: bool,
    sign_key: Path | None,
    profile: str | None,
    regions: tuple[str, ...],
    assume_role: str | None,
    external_id: str | None,
    out_dir: Path,
    rules: RuleChoice,
    fail_on: str,
    strict: bool,
    workers: int,
    keep_raw: bool,
    upload: str | None,
    as_json: bool,
    auth: CloudAuth,
) -> None:
    """Collect fast, sign, and print what is new since a last-good bundle, crossings first."""
    from auditor.commands._common import (
        check_writable,
        cloud_credentials,
        load_inputs,
        open_or_fail,
        request_or_fail,
        scan_and_report,
        signer_from,
        upload_target,
    )
    from auditor.commands._credentials import aws_credentials_env

    target = upload_target(upload) if upload else None
    decl, text, pack = load_inputs(declaration, rules)
    check_writable(out_dir)
    signer = signer_from(sign_key) if sign_key else None
    good = open_or_fail(last_good, public_key, "--last-good: ")  # before collecting
    report = _WhatIsNew(good)
    clouds, mfa_env = cloud_credentials(auth, decl, profile, assume_role, None)
    if not no_flows:
        clouds["aws"] = {**clouds.get("aws", {}), "flows_since": flows_since}

    request = request_or_fail(
        decl,
        text,
        pack,
        out_dir=out_dir,
        declaration_path=declaration,
        profile=None if mfa_env else profile,
        regions=regions,
        assume_role=assume_role,
        external_id=external_id,
        workers=workers,
        max_attempts=SNAPSHOT_ATTEMPTS,
        cloud_options=clouds,
        signer=signer,
        keep_raw=keep_raw,
    )
    with aws_credentials_env(mfa_env):
        code = scan_and_report(
            request,
            fail_on=fail_on,
            strict=strict,
            baseline=good.verdicts,
            on_bundle=report,
            upload=target,
            as_json=as_json,
            settle=report.settle,
        )
    sys.exit(code)


COMMAND = snapshot
