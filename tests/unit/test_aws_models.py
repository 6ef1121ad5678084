"""The compact model loader: same shapes and members as botocore's, less memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from typing import Any

import pytest
from botocore.loaders import Loader
from botocore.model import ServiceModel

from auditor.collect.access import base_session
from auditor.collect.aws_models import CompactJSONFileLoader

SERVICES = ("ec2", "iam", "s3", "kafka", "elbv2", "kms", "organizations", "route53")


def _without_docs(value: Any) -> Any:
    """botocore's model with every ``documentation`` dropped but the client context
    parameters' (botocore reads those)."""
    if isinstance(value, dict):
        return {
            k: v if k == "clientContextParams" else _without_docs(v)
            for k, v in value.items()
            if k != "documentation"
        }
    if isinstance(value, list):
        return [_without_docs(v) for v in value]
    return value


def _model(loader: Loader, service: str, kind: str = "service-2") -> Any:
    return loader.load_service_model(service, kind)


@pytest.mark.parametrize("service", SERVICES)
def test_same_model_but_the_documentation(service: str) -> None:
    stock, compact = Loader(), Loader(file_loader=CompactJSONFileLoader())
    ours = _model(compact, service)
    assert type(ours) is dict
    assert ours == _without_docs(_model(stock, service))
    for kind in ("paginators-1", "endpoint-rule-set-1"):
        assert _model(compact, service, kind) == _model(stock, service, kind)


@pytest.mark.parametrize("service", SERVICES)
def test_operation_shapes_keep_their_members_in_order(service: str) -> None:
    stock = ServiceModel(_model(Loader(), service), service)
    ours = ServiceModel(_model(Loader(file_loader=CompactJSONFileLoader()), service), service)
    assert ours.operation_names == stock.operation_names
    for name in stock.operation_names:
        for side in ("input_shape", "output_shape"):
            mine, theirs = (
                getattr(ours.operation_model(name), side),
                getattr(stock.operation_model(name), side),
            )
            assert (mine is None) == (theirs is None)
            if theirs is not None:
                assert list(mine.members) == list(theirs.members)
                assert mine.documentation == ""


def test_ec2_model_takes_less_memory() -> None:
    sizes = []
    for loader in (Loader(), Loader(file_loader=CompactJSONFileLoader())):
        tracemalloc.start()
        _model(loader, "ec2")
        sizes.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
    assert sizes[1] < sizes[0] * 0.6


def test_base_sessions_load_compactly() -> None:
    loader = base_session(None)._session.get_component("data_loader")
    assert isinstance(loader.file_loader, CompactJSONFileLoader)


ARENAS = """
import os
from auditor.collect.malloc_arenas import cap_arenas
print(cap_arenas())
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's mallopt")
def test_arena_cap_set_unless_the_user_chose() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    run = [sys.executable, "-c", ARENAS]
    assert subprocess.run(run, env=env, capture_output=True, text=True).stdout.strip() == "True"
    env["MALLOC_ARENA_MAX"] = "8"
    assert subprocess.run(run, env=env, capture_output=True, text=True).stdout.strip() == "False"
