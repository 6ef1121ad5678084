"""Internet exposure of a managed Kubernetes API server (AKS, GKE), from its access settings.

The control plane is the provider's: no subnet, route or firewall of the
estate sits in front of it. What decides is the cluster's own setting: a
private cluster's API server has no public endpoint (NO); a public one admits
its authorized ranges (``public_access_cidrs``; every address when none are
set). A setting that was not collected is UNKNOWN.
"""

from __future__ import annotations

from auditor.analysis.network.addresses import fmt_nets, internet_space, net_intersect, nets_of
from auditor.analysis.network.answers import Exposure, Reach
from auditor.model import INTERNET_ID, Resource


def api_exposure(res: Resource, port: int) -> Exposure:
    """Whether the internet reaches the API server of cluster ``res`` on ``port``."""
    a = res.attributes
    name = res.name or res.id
    public = a.get("endpoint_public_access")
    if public is None:
        return Exposure(
            resource=res.id,
            port=port,
            reach=Reach.UNKNOWN,
            reason=f"the API server access setting of cluster {name} was not collected",
            missing=(res.id,),
        )
    if not public:
        return Exposure(
            resource=res.id,
            port=port,
            reach=Reach.NO,
            reason=f"cluster {name} is private: its API server has no public endpoint",
        )
    cidrs = a.get("public_access_cidrs")
    nets = nets_of(cidrs if cidrs else ["0.0.0.0/0"])
    reach = [n for v in (4, 6) for n in net_intersect(nets, internet_space(v))]
    if not reach:
        return Exposure(
            resource=res.id,
            port=port,
            reach=Reach.NO,
            reason=f"the public API endpoint of cluster {name} admits no public range "
            f"({', '.join(fmt_nets(nets)) or 'none'})",
        )
    return Exposure(
        resource=res.id,
        port=port,
        reach=Reach.YES,
        reason=f"the public API endpoint of cluster {name} admits {', '.join(fmt_nets(reach)[:3])}",
        path=(res.id, INTERNET_ID),
        sources=tuple(fmt_nets(reach)),
    )
