"""Scale set instances' NICs, from the Resource Graph ``computeresources`` table.

A VM scale set's instances get NICs that are no ``microsoft.network/networkinterfaces``
rows; Resource Graph lists them in ``computeresources`` as
``microsoft.compute/virtualmachinescalesets/virtualmachines/networkinterfaces`` (their
MAC address, IP configurations, subnet, public IP), and their public IPs as
``.../ipconfigurations/publicipaddresses``. Flow log records name a NIC by MAC, so
without these a record at a scale set instance (a load balancer health probe, a client)
is held to no listener, and a record from an instance's public IP is placed nowhere.
Read with ``--flows-since`` only (what it adds is for the observed flows); a failure is
a gap of its own: those records stay unmapped.
"""

from __future__ import annotations

from auditor.collect.azure._context import AzureCollector

TYPE = "microsoft.compute/virtualmachinescalesets/virtualmachines/networkinterfaces"
PUBLIC_IP_TYPE = f"{TYPE}/ipconfigurations/publicipaddresses"

COLLECTOR = AzureCollector(
    name="azure-scale-set-nics",
    table="computeresources",
    types=(TYPE, PUBLIC_IP_TYPE),
    actions=(
        "Microsoft.ResourceGraph/resources/read",
        "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/read",
        "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/"
        "ipConfigurations/publicIPAddresses/read",
    ),
    gap_service="azure-scale-set-nics",
    opt_in=True,
)
