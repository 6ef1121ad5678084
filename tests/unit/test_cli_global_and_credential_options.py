"""Option checks of ``scan``'s credential options and the global output options.

Each bad combination is one ``error:`` line and exit 2 before any API call (no
credentials exist here, no cloud is reachable); good ones reach the scan request.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.boundary import load_declaration
from auditor.checks.pack import load_pack
from auditor.cli import main
from auditor.commands._credentials import CloudAuth
from auditor.commands._output import HANDLER_NAME, OutputSettings, styled
from auditor.commands._scale import ScanScale, default_cache_dir
from auditor.pipeline import scan_request

ROOT = Path(__file__).resolve().parents[2]
MULTI = ROOT / "fixtures" / "kafka-byoc-multicloud" / "boundary.yaml"
AWS_ONLY = ROOT / "fixtures" / "kafka-byoc-aws" / "boundary.yaml"
S1 = "11111111-1111-1111-1111-111111111111"
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-9](;[0-9;]*)?m|\x1b\[[0-9;]*38;")


def _scan(tmp_path: Path, decl: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["scan", "--boundary", str(decl), "--out", str(tmp_path / "out"), *extra],
        env={"AWS_ACCESS_KEY_ID": "", "AWS_PROFILE": ""},
    )
    return result.exit_code, result.stderr


CASES = [
    (MULTI, ("--azure-auth", "kerberos"), "--azure-auth 'kerberos': not one of default, cli, env"),
    (AWS_ONLY, ("--azure-auth", "cli"), "the customer party declares no Azure subscriptions"),
    (
        MULTI,
        ("--azure-auth", "cli", "--azure-disable-instance-discovery"),
        "--azure-disable-instance-discovery: applies to --azure-auth env or browser, not cli "
        "(cli validates no authority)",
    ),
    (
        MULTI,
        ("--azure-disable-instance-discovery",),  # --azure-auth default
        "--azure-disable-instance-discovery: applies to --azure-auth env or browser, not default "
        "(azure-identity's DefaultAzureCredential documents no such option; for Azure Stack or "
        "a private cloud name the credential: --azure-auth env or browser)",
    ),
    (AWS_ONLY, ("--project-ids", "p"), "the customer party declares no gcp.projects"),
    (MULTI, ("--subscription-ids", f"{S1},nope"), "--subscription-ids nope: not declared"),
    (MULTI, ("--project-ids", "orders-dev"), "--project-ids orders-dev: not declared"),
    # blanks are dropped; an option that names nothing is refused, not read as "all"
    (MULTI, ("--subscription-ids", f" ,{S1}, ,nope"), "--subscription-ids nope: not declared"),
    (MULTI, ("--project-ids", " , "), "--project-ids ' , ': names no id"),
    (MULTI, ("--credentials-file", "/no/such.json"), "--credentials-file /no/such.json: no such"),
    # the spellings are aliases of the same options
    (MULTI, ("--subscription", f"{S1},nope"), "--subscription-ids nope: not declared"),
    (MULTI, ("--gcp-project", "orders-dev"), "--project-ids orders-dev: not declared"),
    (MULTI, ("--gcp-credentials", "/no/such.json"), "--credentials-file /no/such.json: no such"),
    (MULTI, ("--gcp-impersonate", "bob"), "'bob': not a service account email"),
    (MULTI, ("--impersonate-service-account", "bob"), "'bob': not a service account email"),
    (AWS_ONLY, ("--role-session-name", "x"), "--role-session-name 'x': 2 to 64 of letters"),
    (AWS_ONLY, ("--session-duration", "60"), "--session-duration 60: between 900 and 43200"),
    (AWS_ONLY, ("--session-duration", "3600"), "apply to the roles --assume-role names"),
    (AWS_ONLY, ("--mfa-token", "123456"), "--mfa-token needs --mfa-serial"),
    (AWS_ONLY, ("--mfa-serial", "arn:aws:iam::1:mfa/x"), "not an MFA device ARN"),
    (
        AWS_ONLY,
        ("--mfa-serial", "arn:aws:iam::111111111111:mfa/me", "--mfa-token", "12345"),
        "--mfa-token: six digits",
    ),
]


@pytest.mark.parametrize(("decl", "args", "says"), CASES, ids=[" ".join(c[1]) for c in CASES])
def test_bad_credential_options_are_one_line_exit_2(
    tmp_path: Path, decl: Path, args: tuple[str, ...], says: str
) -> None:
    code, stderr = _scan(tmp_path, decl, *args)
    assert code == 2, stderr
    (line,) = stderr.strip().splitlines()
    assert line.startswith("error: ") and says in line, line
    assert not (tmp_path / "out").exists()


def test_mfa_with_dask_executor_is_refused(tmp_path: Path) -> None:
    auth = CloudAuth(mfa_serial="arn:aws:iam::111111111111:mfa/me", mfa_token="123456")
    problem = auth.problem(load_declaration(AWS_ONLY), assume_role="r", executor="dask://h:1")
    assert problem is not None and problem.startswith("--mfa-serial works with --executor threads")


def test_credential_options_reach_the_scan_request(tmp_path: Path) -> None:
    decl = load_declaration(MULTI)
    auth = CloudAuth(
        subscription_ids=(S1,),
        project_ids=("orders-prod",),
        role_session_name="ticket-7",
        session_duration=1200,
    )
    assert auth.problem(decl, assume_role="auditor") is None
    request = scan_request(
        decl,
        MULTI.read_text(),
        load_pack("default"),
        out_dir=tmp_path,
        assume_role="auditor",
        cloud_options=auth.cloud_options(decl),
    )
    aws = request.targets.aws
    assert (aws.role_session_name, aws.session_duration) == ("ticket-7", 1200)
    assert request.targets.azure.subscriptions == (S1,)
    assert request.targets.gcp.projects == ("orders-prod",)
    assert request.targets.azure.credential is None  # default: the collector's own


def test_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "auditor"
    assert ScanScale().cache_dir == tmp_path / "auditor"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the spec: absolute only
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "auditor"


def _printed(settings: OutputSettings) -> str:
    import io

    import click
    from rich.console import Console

    buf = io.StringIO()
    with click.Context(main, obj=settings):
        console = styled(Console(file=buf, force_terminal=True, color_system="standard"))
        console.print("[red]FAIL[/red] data.store-location")
    return buf.getvalue()


def test_no_color_and_quiet_consoles() -> None:
    assert "\x1b[31mFAIL" in _printed(OutputSettings())
    plain = _printed(OutputSettings(no_color=True))
    assert "FAIL data.store-location" in plain and not ANSI_COLOUR.search(plain)
    assert _printed(OutputSettings(quiet=True)) == ""


def test_quiet_keeps_machine_output() -> None:
    shown = CliRunner().invoke(main, ["rules"])
    assert shown.exit_code == 0 and "data.store-location" in shown.stdout
    quiet = CliRunner().invoke(main, ["--quiet", "rules"])
    assert quiet.exit_code == 0 and quiet.stdout == ""
    as_json = CliRunner().invoke(main, ["--quiet", "rules", "--json"])
    assert as_json.exit_code == 0 and as_json.stdout.startswith("[")


@pytest.fixture
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for h in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(h)
        h.close()
    root.setLevel(level)


@pytest.mark.usefixtures("_restore_logging")
def test_log_options(tmp_path: Path) -> None:
    hostile = CliRunner().invoke(main, ["--log-file", str(tmp_path / "n\x1b[2J" / "x"), "rules"])
    assert hostile.exit_code == 2 and "\x1b" not in hostile.stderr, hostile.stderr
    assert "n\\x1b[2J" in hostile.stderr  # escaped, visible, one line
    bad = CliRunner().invoke(main, ["--log-level", "loud", "rules"])
    assert bad.exit_code == 2
    assert bad.stderr.strip() == "error: --log-level 'loud': not one of debug, info, warning, error"
    nowhere = CliRunner().invoke(main, ["--log-file", str(tmp_path / "no" / "x.log"), "rules"])
    assert nowhere.exit_code == 2
    assert nowhere.stderr.startswith(f"error: --log-file {tmp_path / 'no' / 'x.log'}: cannot")
    log = tmp_path / "a.log"
    for _ in range(2):  # a second run replaces the handler, not adds one
        ok = CliRunner().invoke(main, ["--log-level", "debug", "--log-file", str(log), "rules"])
        assert ok.exit_code == 0
    root = logging.getLogger()
    assert [h.get_name() for h in root.handlers].count(HANDLER_NAME) == 1
    assert root.level == logging.DEBUG
    assert logging.getLogger("botocore").getEffectiveLevel() >= logging.INFO  # never raw
    logging.getLogger("auditor.test").debug("hello from the test")
    assert "DEBUG auditor.test: hello from the test" in log.read_text()


def test_manifest_collection_names_the_dask_scheduler() -> None:
    from auditor.collect.runner import AwsScanOptions
    from auditor.pipeline import ScanTargets, collection_settings

    aws = AwsScanOptions(
        accounts=("111111111111",),
        regions=("us-east-1",),
        executor="dask://10.0.0.5:8786",
        max_workers=32,
        per_region_workers=2,
    )
    assert collection_settings(ScanTargets(aws=aws)) == {
        "aws": {
            "executor": "dask",
            "scheduler": "dask://10.0.0.5:8786",
            "workers": 32,
            "per_region_workers": 2,
        }
    }
