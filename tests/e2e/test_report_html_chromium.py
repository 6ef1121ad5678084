"""report.html in a real browser: hostile cloud strings never run and nothing is fetched.

A bundle is written from an evaluation whose resource names, tags and
relations hold script payloads. Each payload, if it ever ran, would mark the
page (a ``data-pwned-*`` attribute on ``<html>`` or the title ``PWNED``) or fetch
from a local HTTP server the test watches. The page is opened from ``file://``
in headless Chromium (Debian's ``chromium`` package) and its DOM dumped after
load: no mark, no request, no ``javascript:`` link, no external URL. The same
holds with the page's Content-Security-Policy removed, so the escaping alone
is proven, not only the CSP. A positive control renders the same payloads
unescaped and shows that the harness does see them run and fetch.

Without Chromium the test skips locally and fails under CI (``CI`` set).
"""

from __future__ import annotations

import datetime as dt
import http.server
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from auditor.checks.pack import load_pack
from auditor.model import Inventory, Relation, Resource, Scope
from auditor.pipeline import evaluate_inventory, write_scan_bundle
from tests.helpers import BASE, CUSTOMER, CUSTOMER_2, PRIMARY, declaration

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=3000",
)
SET = "document.documentElement.setAttribute('data-pwned-{}','1')"
"""Each payload leaves its own mark, so the positive control can tell which ran."""


def payloads(server: str) -> tuple[str, ...]:
    """Strings that mark the page or call ``server`` if a browser ever acts on them."""
    return (
        f"<script>{SET.format('script')}</script>",
        f'<img src=x onerror="{SET.format("img")}">',
        f'<svg onload="{SET.format("svg")}"></svg>',
        f'<iframe src="javascript:parent.{SET.format("iframe")}"></iframe>',
        f'"><img src=x onerror="{SET.format("breakout")}">',
        f"' onfocus='{SET.format('attr')}' autofocus x='",
        "</title><script>document.title='PWNED'</script>",
        f'<a href="javascript:{SET.format("link")}">click me</a>',
        f"javascript:{SET.format('bare-link')}",
        f'<img src="{server}/img">',
        f'<link rel="stylesheet" href="{server}/css">',
        f"<style>@import url('{server}/import');</style>",
        f'<object data="{server}/object"></object>',
    )


class Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        Recorder.seen.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install chromium); required under CI")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


class Dom(HTMLParser):
    """Every element with its attributes, and the title, of a dumped DOM."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.title = ""
        self._in_title = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.text.append(data)


def load(chromium: str, page: Path, profile: Path) -> Dom:
    """Open ``page`` from file:// in headless Chromium; the DOM after load."""
    done = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "<html" in done.stdout, done.stderr[-2000:]
    dom = Dom()
    dom.feed(done.stdout)
    dom.close()
    return dom


def marks(dom: Dom) -> list[str]:
    found = sorted(
        name.removeprefix("data-pwned-")
        for _, attrs in dom.elements
        for name in attrs
        if name.startswith("data-pwned")
    )
    if "PWNED" in dom.title:
        found.append("title")
    return found


def hostile_bundle(tmp_path: Path, server: str) -> Path:
    """A real evaluation whose resources carry every payload, written as a bundle."""
    hostile = payloads(server)
    joined = " ".join(hostile)
    store = Resource(
        id="arn:aws:s3:::orders-log",
        cloud="aws",
        kind="bucket",
        account=CUSTOMER,
        region="eu-west-1",  # undeclared: a FAIL whose message names the bucket
        name=joined,
        tags={
            "data-class": "kafka-log",
            **{f"t{i}": p for i, p in enumerate(hostile)},
            joined: "k",
        },
        attributes={"name": joined, "public_access_block": {}},
    )
    replica = Resource(
        id=f"arn:aws:s3:::replica-{hostile[1]}",
        cloud="aws",
        kind="bucket",
        account=CUSTOMER_2,
        region=PRIMARY,
        name=hostile[0],
        tags={"data-class": "kafka-log", "platform": hostile[3]},
        attributes={"name": hostile[0]},
    )
    inventory = Inventory(
        scope=Scope(accounts=(CUSTOMER, CUSTOMER_2), regions=(PRIMARY,)),
        resources=(store, replica),
        relations=(
            Relation(source=store.id, target=replica.id, kind="data.replicates_to", reason=joined),
        ),
        gaps=(),
    )
    decl = declaration(name="orders-kafka")
    ev = evaluate_inventory(inventory, decl, load_pack("default"), dt.date(2026, 11, 29))
    when = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    return write_scan_bundle(
        tmp_path / "bundles",
        decl=decl,
        decl_text=str(BASE),
        ev=ev,
        started=when,
        finished=when,
    )


def assert_inert(dom: Dom, label: str) -> None:
    assert not marks(dom), f"{label}: a payload ran: {marks(dom)}"
    assert Recorder.seen == [], f"{label}: the page fetched {Recorder.seen}"
    tags = {tag for tag, _ in dom.elements}
    assert not tags & {"script", "iframe", "object", "embed", "img", "link"}, (label, tags)
    for tag, attrs in dom.elements:
        for name, value in attrs.items():
            assert not name.startswith("on"), (label, tag, name, value)
            if name in ("href", "src", "action", "data", "xlink:href"):
                assert value.startswith("#"), (label, tag, name, value)


def test_report_html_runs_no_payload_and_fetches_nothing(
    chromium: str, server: str, tmp_path: Path
) -> None:
    bundle = hostile_bundle(tmp_path, server)
    page = bundle / "report.html"
    html = page.read_text(encoding="utf-8")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert csp is not None and "default-src 'none'" in csp.group(1)
    assert "script-src" not in csp.group(1)  # so no script source is allowed at all

    dom = load(chromium, page, tmp_path / "profile-1")
    assert_inert(dom, "report.html")
    shown = "".join(dom.text)
    assert "onerror=" in shown and "<script>" in shown  # shown to the reader, as text

    # Escaping alone holds: the same page without its CSP runs nothing either.
    bare = tmp_path / "no-csp.html"
    bare.write_text(html.replace(csp.group(0), ""), encoding="utf-8")
    assert "Content-Security-Policy" not in bare.read_text(encoding="utf-8")
    assert_inert(load(chromium, bare, tmp_path / "profile-2"), "report.html without CSP")


def test_the_harness_sees_payloads_that_do_run(chromium: str, server: str, tmp_path: Path) -> None:
    """Positive control: the same payloads, unescaped, mark the page and hit the server."""
    page = tmp_path / "unescaped.html"
    body = "\n".join(payloads(server))
    page.write_text(
        f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>",
        encoding="utf-8",
    )
    dom = load(chromium, page, tmp_path / "profile")
    # Links run only when clicked; every other payload runs on load.
    assert marks(dom) == ["breakout", "iframe", "img", "script", "svg", "title"]
    assert sorted(Recorder.seen) == ["/css", "/img", "/import", "/object"]
