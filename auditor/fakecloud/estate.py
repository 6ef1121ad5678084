"""Load a fixture estate into the fake AWS through real boto3 calls.

An estate file is a list of groups, each with an account and region and the
boto3 calls to make there, in order:

.. code-block:: yaml

    - account: "111111111111"
      region: us-east-1
      steps:
        - call: ec2.create_vpc
          args: {CidrBlock: 10.0.0.0/16}
          as: vpc
        - call: ec2.create_subnet
          args: {VpcId: "${vpc.Vpc.VpcId}", CidrBlock: 10.0.0.0/20}

``${name.Path.0.Field}`` reads from an earlier step's response; ``${account}``
and ``${region}`` are the group's. ``{$json: {...}}`` becomes a JSON string
(policy documents). A group ``{include: ../other/estate.yaml}`` stands for every
group of that file (relative to this one), so an estate can extend another.
This is how estates are *created*; the auditor never uses it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.fakecloud.moto_server import account_session

_REF = re.compile(r"\$\{([^}]+)\}")


class EstateError(ValueError):
    """An estate file that cannot be loaded (names the step)."""


def _lookup(name: str, saved: Mapping[str, Any], where: str) -> Any:
    head, *path = name.split(".")
    if head not in saved:
        raise EstateError(f"{where}: unknown reference ${{{name}}}")
    value = saved[head]
    for part in path:
        try:
            value = value[int(part)] if isinstance(value, list) else value[part]
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise EstateError(f"{where}: ${{{name}}} does not resolve at {part!r}") from exc
    return value


def _resolve(value: Any, saved: Mapping[str, Any], where: str) -> Any:
    if isinstance(value, str):
        whole = _REF.fullmatch(value)
        if whole:
            return _lookup(whole.group(1), saved, where)
        return _REF.sub(lambda m: str(_lookup(m.group(1), saved, where)), value)
    if isinstance(value, list):
        return [_resolve(v, saved, where) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$json"}:
            return json.dumps(_resolve(value["$json"], saved, where), sort_keys=True)
        return {k: _resolve(v, saved, where) for k, v in value.items()}
    return value


def load_estate(path: Path, _seen: tuple[Path, ...] = ()) -> list[dict[str, Any]]:
    """The groups of an estate file, ``include`` groups expanded in place."""
    from ruamel.yaml import YAML

    path = path.resolve()
    if path in _seen:
        raise EstateError(f"{_seen[-1]}: include cycle through {path}")
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        where = f"{_seen[-1]}: include" if _seen else "estate"
        raise EstateError(f"{where}: cannot read {path} ({exc.strerror})") from exc
    if not isinstance(data, list):
        raise EstateError(f"{path}: an estate is a list of account/region groups")
    groups: list[dict[str, Any]] = []
    for group in data:
        if isinstance(group, dict) and set(group) == {"include"}:
            groups += load_estate(path.parent / str(group["include"]), (*_seen, path))
        else:
            groups.append(group)
    return groups


def apply_estate(path: Path) -> dict[str, Any]:
    """Make every call of the estate; return the saved responses by name."""
    from botocore.exceptions import BotoCoreError, ClientError

    saved: dict[str, Any] = {}
    sessions: dict[tuple[str, str], Any] = {}
    for gi, group in enumerate(load_estate(path)):
        account = str(group["account"])
        region = str(group.get("region", "us-east-1"))
        key = (account, region)
        if key not in sessions:
            sessions[key] = account_session(account, region)
        clients: dict[str, Any] = {}
        for si, step in enumerate(group.get("steps", [])):
            where = f"{path.name}: group {gi} step {si} ({step.get('call')})"
            service, _, op = str(step["call"]).partition(".")
            if service not in clients:
                clients[service] = sessions[key].client(service, region_name=region)
            env = {**saved, "account": account, "region": region}
            args = _resolve(step.get("args", {}), env, where)
            try:
                response = getattr(clients[service], op)(**args)
            except (ClientError, BotoCoreError, TypeError, AttributeError) as exc:
                raise EstateError(f"{where}: {type(exc).__name__}: {exc}") from exc
            if "as" in step:
                saved[str(step["as"])] = response
    return saved
