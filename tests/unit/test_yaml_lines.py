"""Lines of declaration clauses, for SARIF locations and reports."""

from __future__ import annotations

from auditor.base.yaml_lines import key_lines

TEXT = """\
name: orders-kafka
network:
  clients:
    cidrs: [10.0.0.0/8]
exceptions:
  - rule: data.customer-key
    reason: re-encryption
  - rule: network.flow-logs
"""


def test_key_lines_maps_dotted_paths_to_lines() -> None:
    lines = key_lines(TEXT)
    assert lines["name"] == 1
    assert lines["network"] == 2
    assert lines["network.clients"] == 3
    assert lines["network.clients.cidrs"] == 4
    assert lines["exceptions.0"] == 6
    assert lines["exceptions.1"] == 8
    assert key_lines("a: [unclosed") == {}  # a text that does not parse has no lines
