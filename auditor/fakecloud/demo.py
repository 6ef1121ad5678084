"""``auditor demo``: a real scan of a fixture estate in an embedded AWS."""

from __future__ import annotations

import os
from pathlib import Path

from auditor.fakecloud.estate import apply_estate


def fixtures_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "fixtures"


def run_demo(*, estate: str, out_dir: Path) -> int:
    """Load ``fixtures/<estate>`` into moto, scan it, print where the bundle is."""
    import click

    from auditor.boundary import load_declaration
    from auditor.checks.pack import load_pack
    from auditor.cli import run_scan
    from auditor.fakecloud.identities import AUDITOR_ROLE, provision_auditor
    from auditor.fakecloud.moto_server import MotoServer, endpoint_env

    folder = fixtures_dir() / estate
    decl_path = folder / "boundary.yaml"
    decl = load_declaration(decl_path)
    server = MotoServer()
    endpoint = server.start()
    click.echo(f"embedded AWS (moto) listening on {endpoint}; loading {folder.name}")
    try:
        with endpoint_env(endpoint):
            apply_estate(folder / "estate.yaml")
            accounts = decl.accounts("aws", "customer")
            creds = provision_auditor(accounts)
            with endpoint_env(endpoint, **creds.env()):
                os.environ.pop("AWS_SESSION_TOKEN", None)
                os.environ.pop("AWS_PROFILE", None)
                code = run_scan(
                    decl,
                    decl_path.read_text(encoding="utf-8"),
                    load_pack("default"),
                    profile=None,
                    regions=(),
                    assume_role=AUDITOR_ROLE,
                    external_id=None,
                    out_dir=out_dir,
                    fail_on="high",
                    strict=False,
                    workers=8,
                    max_attempts=2,
                    declaration_path=decl_path,
                )
    finally:
        server.stop()
    click.echo(
        f"scan exit code would be {code} (the estate carries planted violations: "
        f"see {folder / 'README.md'})"
    )
    return 0
