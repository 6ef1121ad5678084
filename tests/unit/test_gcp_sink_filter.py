"""The Logging query language reader: does a sink filter select Cloud Audit Logs?

Decided only by what names audit entries (log name, ``LOG_ID``, the AuditLog payload
type); any other field leaves it unknown unless the log name already decides.
"""

from __future__ import annotations

import pytest

from auditor.checks._gcp_sink_filter import Routes, routes, routes_after_exclusions

AUDIT = "type.googleapis.com/google.cloud.audit.AuditLog"
Y, N, U = Routes.YES, Routes.NO, Routes.UNKNOWN


@pytest.mark.parametrize(
    ("filt", "want"),
    [
        ("", Y),
        ("   ", Y),
        ('logName:"cloudaudit.googleapis.com"', Y),
        ('logName:"cloudaudit.googleapis.com%2Fpolicy"', Y),
        ('LOG_ID("cloudaudit.googleapis.com/activity")', Y),
        ('LOG_ID("cloudaudit.googleapis.com%2Fdata_access")', Y),
        (f'protoPayload."@type"="{AUDIT}"', Y),
        ('protoPayload."@type":"AuditLog"', Y),
        ('protoPayload."@type"="type.googleapis.com/google.cloud.audit.Other"', N),
        ('logName:"cloudaudit.googleapis.com" OR resource.type="gce_instance"', Y),
        ('resource.type="gce_instance" OR LOG_ID("cloudaudit.googleapis.com/activity")', Y),
        # other fields: whether audit entries carry these values is not modelled
        ('resource.type="gce_instance"', U),
        ("severity>=ERROR", U),
        ('logName:"cloudaudit.googleapis.com" AND severity>=ERROR', U),
        ('"cloudaudit"', U),  # a bare value searches every field
        ('SEARCH("audit")', U),
        # exclusions
        ('NOT logName:"cloudaudit.googleapis.com"', N),
        ('-logName:"cloudaudit.googleapis.com"', N),
        ('resource.type="k8s_container" AND NOT logName:"cloudaudit.googleapis.com"', N),
        ('severity>=ERROR -LOG_ID("cloudaudit.googleapis.com/activity")', U),
        (
            'NOT LOG_ID("cloudaudit.googleapis.com/activity") AND '
            'NOT LOG_ID("cloudaudit.googleapis.com/data_access") AND '
            'NOT LOG_ID("cloudaudit.googleapis.com/system_event") AND '
            'NOT LOG_ID("cloudaudit.googleapis.com/policy") AND '
            'NOT LOG_ID("cloudaudit.googleapis.com/access_transparency")',
            N,
        ),
        ('NOT LOG_ID("cloudaudit.googleapis.com/activity")', Y),  # the others still go
        # other logs only
        ('LOG_ID("stdout")', N),
        ('LOG_ID("stdout") OR LOG_ID("stderr")', N),
        ('LOG_ID("stdout") AND resource.type="k8s_container"', N),
        # grouping
        ('(LOG_ID("stdout") OR LOG_ID("cloudaudit.googleapis.com/policy")) AND NOT "x"', U),
        ('(LOG_ID("stdout") OR LOG_ID("cloudaudit.googleapis.com/policy"))', Y),
        ('NOT (LOG_ID("stdout") OR logName:"cloudaudit.googleapis.com")', N),
        # what the reader cannot read is unknown, never a pass either way
        ('(LOG_ID("stdout")', U),
        ('logName=("a" OR "b")', U),
        ('logName=~"(unclosed"', U),
    ],
)
def test_filter_routes_audit_logs(filt: str, want: Routes) -> None:
    assert routes(filt) is want


@pytest.mark.parametrize(
    ("filt", "own", "want"),
    [
        ('logName="projects/p/logs/cloudaudit.googleapis.com%2Factivity"', "projects/p", Y),
        ('logName="projects/q/logs/cloudaudit.googleapis.com%2Factivity"', "projects/p", N),
        # an aggregated sink sees its children's entries: any project's
        ('logName="projects/q/logs/cloudaudit.googleapis.com%2Factivity"', "", U),
        ('logName="projects/q/logs/syslog"', "", N),
        ('logName:"syslog"', "projects/p", N),
        ('logName:"syslog"', "", U),  # a child project could be named so
        ('logName=~"cloudaudit\\\\.googleapis\\\\.com%2F(activity|policy)$"', "projects/p", Y),
        ('logName!~"cloudaudit"', "projects/p", N),
    ],
)
def test_log_names_are_read_against_the_sinks_own_entries(
    filt: str, own: str, want: Routes
) -> None:
    assert routes(filt, own) is want


def test_exclusions_take_entries_out() -> None:
    audit = 'logName:"cloudaudit.googleapis.com"'
    assert routes_after_exclusions(audit, [audit]) is N
    assert routes_after_exclusions(audit, ['LOG_ID("cloudaudit.googleapis.com/activity")']) is Y
    assert routes_after_exclusions("", ['resource.type="gce_instance"']) is U
    assert routes_after_exclusions("", []) is Y
