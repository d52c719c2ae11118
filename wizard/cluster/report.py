"""`cluster check` as JSON and as text: each node's own checks, then the cluster's.

Why the shape: the per-node part is exactly what `check --json` prints on that node, so a
tool that reads one reads the other; a node without a report carries one failed
NodeReachable result that names why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.cluster.checks import ClusterResult
    from wizard.cluster.runner import NodeResult

_MARK = {"pass": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


def node_json(result: NodeResult) -> dict[str, Any]:
    if result.report is None:
        return {"host": result.node.to_json(), "reachable": not result.unreachable,
                "error": result.error,
                "checks": [{"id": "NodeReachable", "status": "fail", "observed": "",
                            "expected": "the wizard's check report from this node",
                            "message": f"{result.node.name}: {result.error}", "fixable": False,
                            "group": "cluster", "screen": ""}]}
    report = dict(result.report)
    report["host"] = {**report.get("host", {}), "inventory": result.node.to_json()}
    report["reachable"] = True
    return report


def cluster_json(results: dict[str, NodeResult],
                 cluster: list[ClusterResult]) -> dict[str, Any]:
    return {"nodes": {name: node_json(r) for name, r in results.items()},
            "cluster": [c.to_json() for c in cluster]}


def failed(document: dict[str, Any]) -> bool:
    return any(c["status"] == "fail" for node in document["nodes"].values()
               for c in node["checks"]) or any(c["status"] == "fail"
                                               for c in document["cluster"])


def cluster_text(document: dict[str, Any]) -> str:
    lines = ["Nodes:"]
    for name, node in document["nodes"].items():
        counts = {s: sum(c["status"] == s for c in node["checks"]) for s in _MARK}
        role = node["host"].get("role") or node["host"].get("inventory", {}).get("role", "")
        if node.get("error"):
            lines.append(f"  FAIL  {name:<20} {node['error']}")
            continue
        worst = "fail" if counts["fail"] else "warn" if counts["warn"] else "pass"
        failing = [c["id"] for c in node["checks"] if c["status"] == "fail"]
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        lines.append(f"  {_MARK[worst]}  {name:<20} {role:<14} {summary}"
                     + (f"; failing: {', '.join(failing)}" if failing else ""))
    lines += ["", "Cluster:"]
    for check in document["cluster"]:
        lines.append(f"  {_MARK[check['status']]}  {check['id']:<28} {check['message']}")
    counts = {s: sum(c["status"] == s for c in document["cluster"]) for s in _MARK}
    lines += ["", "cluster checks: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n),
              "`kubeadm-wizard check` on a node shows its own checks in full."]
    return "\n".join(lines)
