"""vCPUs and memory of a machine type, where the type's name says them.

Capacity is compared across clouds in vCPUs and memory, so each cloud's
naming is read as its provider documents it:

- **GCP** predefined types ``{family}-{class}-{vcpus}`` (``n2-standard-8``):
  the vCPU count is in the name; memory per vCPU is fixed per family and class
  (``n2`` standard 4 GB, highmem 8 GB, highcpu 1 GB; ``n1`` 3.75 / 6.5 / 0.9).
  Custom types ``{family}-custom-{vcpus}-{memory MB}`` say both.
- **Azure** sizes ``Standard_{family}{vcpus}...`` (``Standard_D4s_v5``): the
  number after the family letters is the vCPU count; memory per vCPU is fixed
  for the general purpose D (4 GiB), memory optimised E (8 GiB) and compute
  optimised F (2 GiB) families from v2 on.
- **AWS** (and MSK's ``kafka.`` types) ``{family}.{size}``: ``large`` is
  2 vCPUs, ``xlarge`` 4, ``Nxlarge`` 4N; memory per vCPU is 4 GiB for ``m``,
  8 GiB for ``r`` and 2 GiB for ``c`` families. Burstable ``t`` types and
  anything else are unknown.

Anything not matched is None: capacity rules say it is unknown, never guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class MachineSize:
    vcpus: float | None
    memory_gib: float | None


_GCP = re.compile(r"^([a-z][a-z0-9]*)-(standard|highmem|highcpu)-(\d+)$")
_GCP_CUSTOM = re.compile(r"^(?:([a-z][a-z0-9]*)-)?custom-(\d+)-(\d+)(?:-ext)?$")
_GCP_GB_PER_VCPU = {
    ("n1", "standard"): 3.75,
    ("n1", "highmem"): 6.5,
    ("n1", "highcpu"): 0.9,
    **{(f, "standard"): 4.0 for f in ("n2", "n2d", "e2", "n4", "c2", "c2d", "c3", "c3d", "t2d")},
    **{(f, "highmem"): 8.0 for f in ("n2", "n2d", "e2", "n4", "c2d", "c3", "c3d")},
    **{(f, "highcpu"): 1.0 for f in ("n2", "n2d", "e2", "n4", "c3", "c3d")},
}
_AZURE = re.compile(r"^(?:standard|basic)_([a-z]+?)(\d+)([a-z]*)(?:_v(\d+))?$", re.IGNORECASE)
_AZURE_GIB_PER_VCPU = {"d": 4.0, "e": 8.0, "f": 2.0}
_AWS = re.compile(r"^(?:kafka\.)?([a-z]+)(\d+)([a-z-]*)\.(\d*)(x?large)$")
_AWS_GIB_PER_VCPU = {"m": 4.0, "r": 8.0, "c": 2.0}


def _gcp(name: str) -> MachineSize | None:
    if m := _GCP.match(name):
        vcpus = float(m.group(3))
        per = _GCP_GB_PER_VCPU.get((m.group(1), m.group(2)))
        return MachineSize(vcpus=vcpus, memory_gib=vcpus * per if per is not None else None)
    if m := _GCP_CUSTOM.match(name):
        return MachineSize(vcpus=float(m.group(2)), memory_gib=int(m.group(3)) / 1024)
    return None


def _azure(name: str) -> MachineSize | None:
    m = _AZURE.match(name)
    if not m:
        return None
    family, vcpus, version = m.group(1).lower(), float(m.group(2)), m.group(4)
    per = _AZURE_GIB_PER_VCPU.get(family) if version and int(version) >= 2 else None
    return MachineSize(vcpus=vcpus, memory_gib=vcpus * per if per is not None else None)


def _aws(name: str) -> MachineSize | None:
    m = _AWS.match(name)
    if not m or m.group(1) not in _AWS_GIB_PER_VCPU:
        return None
    vcpus = 2.0 if m.group(5) == "large" else 4.0 * int(m.group(4) or 1)
    return MachineSize(vcpus=vcpus, memory_gib=vcpus * _AWS_GIB_PER_VCPU[m.group(1)])


def machine_size(machine_type: object) -> MachineSize | None:
    """vCPUs and memory (GiB) of a GCP, Azure or AWS machine type; None when unknown."""
    if not isinstance(machine_type, str) or not machine_type:
        return None
    name = machine_type.strip()
    return _gcp(name.lower()) or _azure(name) or _aws(name.lower())
