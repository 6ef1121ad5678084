"""Whether a Cloud Logging filter (a sink's inclusion filter) selects Cloud Audit Logs.

The filter is read by :mod:`auditor.base.gcp_logfilter` for each Cloud Audit Logs log
(``activity``, ``data_access``, ``system_event``, ``policy``, ``access_transparency``,
their entries an ``AuditLog`` proto payload): the filter routes audit logs when some
audit log passes for certain, does not when none can, and is UNKNOWN otherwise, or when
it cannot be read.
"""

from __future__ import annotations

from auditor.base import gcp_logfilter
from auditor.base.gcp_logfilter import LogSpec, Routes

__all__ = ["AUDIT_LOGS", "AUDIT_TYPE", "Routes", "routes", "routes_after_exclusions"]

AUDIT_LOGS = ("activity", "data_access", "system_event", "policy", "access_transparency")
AUDIT_TYPE = "type.googleapis.com/google.cloud.audit.AuditLog"
_LOGS = tuple(
    LogSpec(log_id=f"cloudaudit.googleapis.com/{log}", payload_type=AUDIT_TYPE)
    for log in AUDIT_LOGS
)


def routes(filter_text: str, parent: str = "") -> Routes:
    """Whether ``filter_text`` selects Cloud Audit Logs (an empty filter selects every log).

    ``parent``: the log-name prefix of the entries the sink sees when they are one
    resource's (``projects/P``), else ``""``.
    """
    return gcp_logfilter.routes(filter_text, _LOGS, parent)


def routes_after_exclusions(filter_text: str, exclusions: list[str], parent: str = "") -> Routes:
    """The inclusion filter with the sink's enabled exclusion filters taken out."""
    return gcp_logfilter.routes_after_exclusions(filter_text, exclusions, _LOGS, parent)
