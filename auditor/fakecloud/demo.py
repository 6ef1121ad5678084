"""``auditor demo``: a real scan of a fixture estate in embedded fake clouds.

The declaration says which clouds to scan (the customer's AWS accounts, Azure
subscriptions, GCP projects); the fixture folder holds an estate file per cloud:
``aws.yaml`` (boto3 calls, for moto), ``azure.yaml`` (Resource Graph rows, for
:class:`~auditor.fakecloud.azure_server.AzureFake`), ``gcp.yaml`` (Cloud Asset
assets, for :class:`~auditor.fakecloud.gcp_server.GcpFake`), or ``estate.yaml``
when it names one cloud only. Every fake is started here and stopped on the way
out; the scan goes through the real SDKs.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.extras import import_extra
from auditor.fakecloud.estate import apply_estate
from auditor.fakecloud.logs import fake_logs_to

if TYPE_CHECKING:
    from auditor.pipeline import ScanRequest

DEFAULT_ESTATE = "kafka-byoc-multicloud"
CLOUDS = ("aws", "azure", "gcp")


def fixtures_dir() -> Path:
    """The estates folder: the wheel's packaged copy, or the checkout's ``fixtures/``.

    The wheel carries ``fixtures/`` as ``auditor/_fixtures``; an editable or source
    install has no such folder and reads the repository's. The packaged copy wins
    when present: ``site-packages/fixtures`` may belong to another distribution.
    """
    package = Path(__file__).resolve().parent.parent
    packaged = package / "_fixtures"
    return packaged if packaged.is_dir() else package.parent / "fixtures"


def estate_files(folder: Path, decl: Any) -> dict[str, Path]:
    """The estate file of every cloud the declaration's customer names, in scan order.

    Raises ValueError (naming the file) when a cloud has none.
    """
    clouds = [c for c in CLOUDS if decl.accounts(c, "customer")]
    out: dict[str, Path] = {}
    for cloud in clouds:
        path = folder / f"{cloud}.yaml"
        if not path.is_file() and len(clouds) == 1:
            path = folder / "estate.yaml"
        if not path.is_file():
            raise ValueError(f"{folder / f'{cloud}.yaml'}: no {cloud} estate for the declaration")
        out[cloud] = path
    return out


def require_extras(clouds: tuple[str, ...]) -> None:
    """Raise :class:`~auditor.extras.MissingExtra` unless the fakes and SDKs of ``clouds`` import.

    Checked before any fake starts: ``fakecloud`` first (moto; trustme for the Azure
    fake's TLS), then each cloud's own extra (the scan goes through its real SDK).
    """
    if "aws" in clouds:
        import_extra("moto.server", "fakecloud")
    if "azure" in clouds:
        import_extra("trustme", "fakecloud")
        from auditor.collect.azure import require_sdk as require_azure

        require_azure()
    if "gcp" in clouds:
        from auditor.collect.gcp import require_sdk as require_gcp

        require_gcp()


def _start_azure(stack: contextlib.ExitStack, estate: Path, flows: bool) -> dict[str, Any]:
    """Serve the Azure estate; with ``flows``, its ``flows.yaml`` as flow log blobs
    (:mod:`auditor.fakecloud.azure_flow_estate`), read over the demo's window."""
    from auditor.fakecloud.azure_server import AzureFake, load_estate

    state: Path | dict[str, Any] = estate
    if flows:
        from auditor.fakecloud.azure_flow_estate import with_flows

        state = with_flows(load_estate(estate), estate.parent / FLOWS_FILE, int(time.time()))
    fake = stack.enter_context(AzureFake(state, page_size=100))
    return {
        "base_url": fake.base_url,
        "credential": fake.credential(),
        "connection_verify": fake.ca_path,
        "retry_total": 0,
        **({"flows_since": DEMO_FLOWS_SECONDS} if flows else {}),
    }


def _start_gcp(stack: contextlib.ExitStack, estate: Path, flows: Path | None) -> dict[str, Any]:
    """The GCP fake over ``estate``; with ``flows`` (a GCP-only estate's ``vpcFlows``),
    their entries are served too and read over the demo window."""
    from auditor.fakecloud.gcp_logging import load_entries
    from auditor.fakecloud.gcp_server import GcpFake

    entries = load_entries(flows) if flows is not None and flows.is_file() else []
    fake = stack.enter_context(GcpFake(estate, page_size=100, entries=entries))
    return {
        "api_endpoint": fake.endpoint,
        "logging_endpoint": fake.endpoint,  # VPC Flow Logs (--flows-since) from the same fake
        "credentials": fake.credentials(),
        "retry": None,
        **({"flows_since": DEMO_FLOWS_SECONDS} if entries else {}),
    }


class DemoError(ValueError):
    """An estate that cannot be demonstrated (unknown name, unreadable files): one line."""


FLOWS_FILE = "flows.yaml"
"""An estate's flow log records (:mod:`auditor.fakecloud.flow_estate`), written after it."""
DEMO_FLOWS_SECONDS = 3600
"""The observed-flow window of a demo whose estate has flow records (they end at load time)."""

_TO_STDERR: contextvars.ContextVar[bool] = contextvars.ContextVar("demo_to_stderr", default=False)
"""Whether the demo's own lines go to stderr (``demo --json``: stdout holds the summary)."""


def _say(line: str) -> None:
    """One line of the demo's own (which fake listens where, what it scans)."""
    import click

    click.echo(line, err=_TO_STDERR.get())


def run_demo(
    *,
    estate: str,
    out_dir: Path,
    scan: Callable[[ScanRequest], int],
    lines_to_stderr: bool = False,
) -> int:
    """Load ``fixtures/<estate>`` into the fakes it needs and ``scan`` it (the CLI's front
    end: progress, summary); raises :class:`DemoError`. ``lines_to_stderr``: the demo's
    own lines go to stderr (``demo --json``)."""
    token = _TO_STDERR.set(lines_to_stderr)
    try:
        return _run_demo(estate=estate, out_dir=out_dir, scan=scan)
    finally:
        _TO_STDERR.reset(token)


def _run_demo(*, estate: str, out_dir: Path, scan: Callable[[ScanRequest], int]) -> int:
    """:func:`run_demo`'s body."""
    from auditor.boundary import load_declaration
    from auditor.checks.pack import load_pack
    from auditor.pipeline import scan_request

    folder = fixtures_dir() / estate
    decl_path = folder / "boundary.yaml"
    if not decl_path.is_file():
        known = sorted(p.name for p in fixtures_dir().iterdir() if (p / "boundary.yaml").is_file())
        raise DemoError(f"--estate {estate}: no {decl_path} (known: {', '.join(known)})")
    decl = load_declaration(decl_path)
    try:
        files = estate_files(folder, decl)
    except ValueError as exc:
        raise DemoError(str(exc)) from None
    clouds = tuple(files)
    require_extras(clouds)
    log = _fake_log_file()
    with _note_fake_log(log), fake_logs_to(log), contextlib.ExitStack() as stack:
        options: dict[str, dict[str, Any]] = {}
        if "azure" in clouds:
            azure_flows = clouds == ("azure",) and (folder / FLOWS_FILE).is_file()
            options["azure"] = _start_azure(stack, files["azure"], azure_flows)
            _say(f"embedded Azure listening on {options['azure']['base_url']}")
        if "gcp" in clouds:
            flows = folder / FLOWS_FILE if clouds == ("gcp",) else None  # GCP entries
            options["gcp"] = _start_gcp(stack, files["gcp"], flows)
            _say(f"embedded GCP listening on {options['gcp']['api_endpoint']}")
        if "aws" in clouds:
            stack.enter_context(_embedded_aws(files["aws"], decl))
            if (folder / FLOWS_FILE).is_file():  # read what the estate's flow logs recorded
                options["aws"] = {"flows_since": DEMO_FLOWS_SECONDS}
        _say(f"scanning {folder.name} ({' + '.join(clouds)})")
        request = scan_request(
            decl,
            decl_path.read_text(encoding="utf-8"),
            load_pack("default"),
            out_dir=out_dir,
            declaration_path=decl_path,
            assume_role=_auditor_role() if "aws" in clouds else None,
            workers=8,
            max_attempts=2,
            cloud_options=options,
        )
        code = scan(request)
    _say(
        f"scan exit code would be {code} (the estate carries planted violations: "
        f"see {folder / 'README.md'})"
    )
    return 0


def _fake_log_file() -> Path:
    """A new empty file in the temporary folder for the fakes' own log records."""
    fd, name = tempfile.mkstemp(prefix="auditor-demo-fakes-", suffix=".log")
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def _note_fake_log(log: Path) -> Iterator[None]:
    """On the way out: one line naming ``log`` when the fakes wrote to it, else remove it."""

    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            if log.stat().st_size == 0:
                log.unlink()
            else:
                with log.open(encoding="utf-8", errors="replace") as f:
                    lines = sum(1 for _ in f)
                _say(
                    f"the fake clouds wrote {lines} line(s) to their own log (theirs, not the "
                    f"auditor's; a call they could not answer is a gap in the bundle): {log}"
                )


def _auditor_role() -> str:
    from auditor.fakecloud.identities import AUDITOR_ROLE

    return AUDITOR_ROLE


@contextlib.contextmanager
def _embedded_aws(estate: Path, decl: Any) -> Any:
    """Start moto, apply the AWS estate, and keep the auditor's credentials in the env."""

    from auditor.fakecloud.identities import provision_auditor
    from auditor.fakecloud.moto_server import MotoServer, endpoint_env

    server = MotoServer()
    endpoint = server.start()
    _say(f"embedded AWS (moto) listening on {endpoint}; loading {estate}")
    try:
        with endpoint_env(endpoint):
            apply_estate(estate)
            if (estate.parent / FLOWS_FILE).is_file():  # the estate's flow log records
                from auditor.fakecloud.flow_estate import write_flows

                write_flows(estate.parent / FLOWS_FILE)
            creds = provision_auditor(decl.accounts("aws", "customer"))
        with endpoint_env(endpoint, **creds.env()):
            os.environ.pop("AWS_SESSION_TOKEN", None)
            os.environ.pop("AWS_PROFILE", None)
            yield
    finally:
        server.stop()
