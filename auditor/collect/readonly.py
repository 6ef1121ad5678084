"""The read-only guard: the auditor never calls a mutating cloud API.

The guard is a botocore ``before-call`` hook registered on every client the
collectors use. It refuses any operation whose name does not start with a
read verb, before the request is signed or sent.
"""

from __future__ import annotations

from typing import Any

READ_PREFIXES = ("Describe", "List", "Get", "Lookup", "Search", "BatchGet", "Head")
"""Operation name prefixes that only read."""

ALLOWED_NON_READ = frozenset({("sts", "AssumeRole")})
"""Calls that change nothing in the cloud but are needed to read other accounts."""


class MutatingCallRefused(RuntimeError):
    """Raised before a non-read operation leaves the process."""


READ_OPERATIONS = frozenset({("logs", "FilterLogEvents"), ("logs", "StartQuery")})
"""Reads whose names start with another verb (flow log records: ``--flows-since``;
``StartQuery`` runs a Logs Insights query over stored events, ``--flows-insights``: it
changes nothing stored; ``StopQuery`` is not listed and is never called)."""


def is_read_operation(service: str, operation: str) -> bool:
    if (service, operation) in ALLOWED_NON_READ or (service, operation) in READ_OPERATIONS:
        return True
    return operation.startswith(READ_PREFIXES)


def refuse_mutations(model: Any, **_: Any) -> None:
    """botocore ``before-call`` handler: raise unless the operation only reads."""
    service = model.service_model.endpoint_prefix
    name = model.name
    if not is_read_operation(service, name):
        raise MutatingCallRefused(f"refused non-read call {service}:{name}")


def guard_client(client: Any) -> Any:
    """Register the guard on one client and return it.

    Every guarded client also refuses untrustworthy answers (see
    :mod:`auditor.collect.answers`): one call for every client the auditor makes.
    """
    from auditor.collect.answers import harden_client

    client.meta.events.register_first("before-call.*.*", refuse_mutations)
    return harden_client(client)
