"""report.html: self-contained, deterministic, and no cloud string ever becomes live markup."""

from __future__ import annotations

import datetime as dt
import importlib.resources
from html.parser import HTMLParser
from typing import Any

from auditor.checks.pack import load_pack
from auditor.model import (
    Evidence,
    Gap,
    Inventory,
    PathName,
    Relation,
    Resource,
    Scope,
    Severity,
    Status,
    Verdict,
)
from auditor.pipeline import bundle_files, evaluate_inventory
from auditor.render import AccountabilityRow, ReportData, renderers
from auditor.render.html import clean, zone_diagram
from auditor.render.html import render as render_html
from tests.helpers import CUSTOMER, CUSTOMER_2, PRIMARY, declaration

SCRIPT = "<script>alert(1)</script>"
ATTR = '" onerror="alert(1)'
JS_URL = "javascript:alert(1)"
PAYLOADS = (
    SCRIPT,
    ATTR,
    JS_URL,
    f'<a href="{JS_URL}">x</a>',
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "</title></style></svg><script>alert(2)</script>",
    "]]><!--",
    "\x00\x07\u202e\u2028",
)
HOSTILE = "".join(PAYLOADS)
BUCKET = f"arn:aws:s3:::orders-log-{HOSTILE}"

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "ul", "li", "nav",
    "a", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "span", "br", "svg",
    "defs", "marker", "path", "g", "rect", "text", "line",
}  # fmt: skip


class Collector(HTMLParser):
    """Every start tag with its attributes, and the text shown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(raw: bytes) -> Collector:
    c = Collector()
    c.feed(raw.decode("utf-8"))
    c.close()
    return c


def assert_inert(raw: bytes) -> Collector:
    doc = parse(raw)
    tags = [t for t, _ in doc.tags]
    assert "script" not in tags
    assert set(tags) <= ALLOWED_TAGS, set(tags) - ALLOWED_TAGS
    for tag, attrs in doc.tags:
        for name, value in attrs:
            assert not name.lower().startswith("on"), (tag, name, value)
            v = "".join((value or "").split()).lower()
            assert "javascript:" not in v, (tag, name, value)
            if name in ("href", "src", "xlink:href", "action"):
                assert v.startswith("#"), (tag, name, value)  # in-page links only
    assert sum(1 for t in tags if t == "style") == 1  # the one inline stylesheet
    return doc


def _verdict(rule: str, path: PathName, status: Status, **kw: Any) -> Verdict:
    return Verdict(
        rule=rule,
        path=path,
        status=status,
        resource=kw.pop("resource", BUCKET),
        severity=kw.pop("severity", Severity.HIGH),
        message=kw.pop("message", f"{rule}: {HOSTILE}"),
        **kw,
    )


def hostile_report() -> ReportData:
    bucket = Resource(
        id=BUCKET,
        cloud="aws",
        kind="bucket",
        account=CUSTOMER,
        region=PRIMARY,
        name=HOSTILE,
        tags={HOSTILE: HOSTILE, "url": JS_URL},
    )
    verdicts = [
        _verdict("data.a", PathName.DATA, Status.FAIL),
        _verdict("data.a", PathName.DATA, Status.PASS, resource="arn:aws:s3:::fine", message="ok"),
        _verdict(
            "control.b",
            PathName.CONTROL,
            Status.WAIVED,
            waiver={"reason": HOSTILE, "approved_by": JS_URL, "expires": "2027-01-01"},
        ),
        _verdict("failure.c", PathName.FAILURE, Status.INCONCLUSIVE, resource="scope:aws/*/*"),
        _verdict(
            "network.traffic-class",
            PathName.NETWORK,
            Status.FAIL,
            evidence=Evidence(
                nodes=(BUCKET,),
                edges=(("internet", BUCKET, f"network.internet{HOSTILE}"),),
                attributes={"class": "clients"},
            ),
        ),
        _verdict(
            "network.traffic-class",
            PathName.NETWORK,
            Status.PASS,
            evidence=Evidence(attributes={"class": HOSTILE}),
        ),
    ]
    crossings = [
        {
            "source": BUCKET,
            "target": f"arn:aws:s3:::replica-{HOSTILE}",
            "kind": "data.replicates_to",
            "reason": HOSTILE,
            "from_zone": f"customer/aws/{CUSTOMER}/{PRIMARY}",
            "to_zone": f"vendor/aws/{HOSTILE}/eu-west-1",
        },
        {
            "source": "internet",
            "target": BUCKET,
            "kind": "network.internet",
            "reason": JS_URL,
            "from_zone": "internet",
            "to_zone": f"customer/aws/{CUSTOMER}/{PRIMARY}",
        },
    ]
    return ReportData(
        declaration_name=f"orders-{HOSTILE}",
        declaration_hash="0" * 64,
        pattern="active-passive",
        inventory=Inventory(
            scope=Scope(accounts=(CUSTOMER,), regions=(PRIMARY,)),
            resources=(bucket,),
            relations=(),
            gaps=(),
        ),
        verdicts=verdicts,
        gaps=[
            Gap(
                cloud="aws",
                account=CUSTOMER,
                region=PRIMARY,
                service="s3",
                operation="GetBucketPolicy",
                error_code=HOSTILE,
                message=JS_URL,
                resource=BUCKET,
            )
        ],
        crossings=crossings,
        rule_titles={"data.a": HOSTILE, "control.b": "B", "failure.c": "C"},
        pack=HOSTILE,
        evaluated_on="2026-11-29",
        accountability=(
            AccountabilityRow(
                resource=BUCKET,
                kind="bucket",
                name=HOSTILE,
                account=CUSTOMER,
                party="customer",
                region=PRIMARY,
                modifiers=(f"{HOSTILE} [data.write]",),
                trails=(JS_URL,),
                keys=(HOSTILE,),
            ),
        ),
        tool_version="1.2.3",
    )


def test_renderer_is_discovered_and_template_ships_in_the_package() -> None:
    assert "report.html" in renderers()
    template = importlib.resources.files("auditor.render") / "templates" / "report.html.j2"
    assert template.is_file()


def test_same_report_same_bytes() -> None:
    assert render_html(hostile_report()) == render_html(hostile_report())


def test_hostile_cloud_strings_render_inert_but_visible() -> None:
    raw = render_html(hostile_report())
    doc = assert_inert(raw)
    shown = "".join(doc.text)
    # every payload is shown to the reader as text (control and bidi characters removed)
    for p in PAYLOADS[:-1]:
        assert p in shown, p
    for ch in "\x00\x07\u202e\u2028":
        assert ch not in raw.decode()
    # no external fetches: no absolute URL anywhere outside the SVG namespace
    text = raw.decode().replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in text and "https://" not in text and "//" not in text.split("<style>")[0]
    assert b"Content-Security-Policy" in raw


def test_sections_and_diagrams() -> None:
    raw = render_html(hostile_report()).decode()
    for anchor in (
        'id="scope"',
        'id="evidence"',
        'id="coverage"',
        'id="findings"',
        'id="recovery"',
        'id="summary"',
        'id="verdicts"',
        'id="gaps"',
        'id="diagrams"',
        'id="traffic"',
        'id="accountability"',
        'id="crossings"',
    ):
        assert anchor in raw
    for path in PathName:
        assert f'id="path-{path.value}"' in raw and f'id="diagram-{path.value}"' in raw
    for cls in ("clients", "replication", "operations", "support"):
        assert f'id="traffic-{cls}"' in raw
    # data and network paths cross zones (control and failure do not); two traffic classes
    # were judged: clients (internet -> bucket) and one named by the evidence
    assert raw.count("path zone crossings") == 2
    assert raw.count('aria-label="traffic class ') == 2
    assert 'aria-label="traffic class clients"' in raw
    assert 'id="traffic-other-6"' in raw
    assert "No control edge crosses a zone." in raw
    assert "No replication traffic was judged." in raw


def test_zone_diagram_layout_is_stable() -> None:
    crossings = [
        {"from_zone": "a", "to_zone": "b", "kind": "data.read"},
        {"from_zone": "a", "to_zone": "b", "kind": "data.read"},
        {"from_zone": "a", "to_zone": "b", "kind": "data.write"},
        {"from_zone": "c", "to_zone": "b", "kind": "data.read"},
    ]
    d = zone_diagram(crossings)
    assert d.rows == (
        ("a", "b", 3, "data.read \u00d72, data.write \u00d71"),
        ("c", "b", 1, "data.read \u00d71"),
    )
    assert [b.full for b in d.sources] == ["a", "c"] and [b.full for b in d.targets] == ["b"]
    assert d == zone_diagram(reversed(crossings))
    empty = zone_diagram([])
    assert empty.rows == () and empty.arrows == ()


def test_clean_removes_controls_and_bidi() -> None:
    assert clean("a\x00b\u202ec\nd") == "a b c d"
    assert clean(None) == ""


def test_real_evaluation_with_hostile_tags() -> None:
    bucket = Resource(
        id="arn:aws:s3:::orders-log",
        cloud="aws",
        kind="bucket",
        account=CUSTOMER,
        region="eu-west-1",
        name=HOSTILE,
        tags={"data-class": "kafka-log", "note": HOSTILE, "link": JS_URL},
        attributes={"name": HOSTILE, "public_access_block": {}},
    )
    replica = Resource(
        id=f"arn:aws:s3:::replica-{HOSTILE}",
        cloud="aws",
        kind="bucket",
        account=CUSTOMER_2,
        region="eu-west-1",
        name=HOSTILE,
        tags={"data-class": "kafka-log"},
        attributes={"name": HOSTILE},
    )
    inv = Inventory(
        scope=Scope(accounts=(CUSTOMER,), regions=(PRIMARY,)),
        resources=(bucket, replica),
        relations=(
            Relation(
                source=bucket.id, target=replica.id, kind="data.replicates_to", reason=HOSTILE
            ),
        ),
        gaps=(),
    )
    ev = evaluate_inventory(inv, declaration(), load_pack("default"), dt.date(2026, 11, 29))
    args: dict[str, Any] = {
        "decl": declaration(),
        "decl_text": "name: x\n",
        "ev": ev,
        "started": "2026-11-29T00:00:00Z",
        "finished": "2026-11-29T00:00:01Z",
    }
    raw = bundle_files(**args)["report.html"]
    assert raw == bundle_files(**args)["report.html"]
    assert_inert(raw)
    assert "arn:aws:s3:::orders-log" in raw.decode()
