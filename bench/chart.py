"""The chart: one PNG with a panel per benchmark (a panel says "not run" when it was skipped)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from bench.common import batch_label
from bench.report import Section

Panel = Callable[[Axes, dict[str, Section]], bool]


def draw(sections: dict[str, Section], path: Path, meta: dict[str, Any]) -> None:
    """Write the chart of ``sections`` to ``path``."""
    panels: list[tuple[str, Panel]] = [
        ("API calls per task (quota off)", _calls),
        ("Tasks/min under Google's quota, 150 ms latency", _throughput),
        ("Leader: expand one source", _expansion),
        ("Failover after SIGKILL", _failover),
        ("Memory", _footprint),
        ("Cells read per claim", _backlog),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(17, 9.5))
    for ax, (title, panel) in zip(axes.flat, panels, strict=True):
        ax.set_title(title, fontsize=11)
        try:
            drawn = panel(ax, sections)
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            drawn = False
        if not drawn:
            ax.clear()
            ax.set_title(title, fontsize=11)
            ax.text(0.5, 0.5, "not run", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
    fig.suptitle(
        f"yt-gsheet-orchestrator benchmarks: {meta.get('date', '')}, {meta.get('nproc')} cores, "
        f"Python {meta.get('python', '')}, `{meta.get('command', '')}`",
        fontsize=12,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _runs(sections: dict[str, Section], name: str) -> list[dict[str, Any]]:
    section = sections.get(name)
    return list(section.data.get("runs", [])) if section else []


def _calls(ax: Axes, sections: dict[str, Section]) -> bool:
    runs = [r for r in _runs(sections, "calls") if r.get("calls_per_task")]
    if not runs:
        return False
    fleets = sorted({r["agents"] for r in runs})
    batches = list(dict.fromkeys(batch_label(r) for r in runs))
    width = 0.8 / (len(batches) + 1)
    for i, batch in enumerate(batches):
        xs, ys = [], []
        for j, agents in enumerate(fleets):
            found = [r for r in runs if r["agents"] == agents and batch_label(r) == batch]
            if found:
                xs.append(j + i * width)
                ys.append(found[0]["calls_per_task"])
        bars = ax.bar(xs, ys, width, label=f"ours, CLAIM_BATCH={batch}")
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    naive = [r for r in _runs(sections, "naive") if not r["quota"] and r.get("calls_per_task")]
    xs, ys = [], []
    for j, agents in enumerate(fleets):
        found = [r for r in naive if r["workers"] == agents]
        if found:
            xs.append(j + len(batches) * width)
            ys.append(found[0]["calls_per_task"])
    if xs:
        bars = ax.bar(xs, ys, width, label="naive baseline", color="grey")
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
    ax.axhline(4, color="red", linestyle="--", linewidth=1, label="goal, one at a time (4)")
    ax.axhline(0.5, color="orange", linestyle="--", linewidth=1, label="goal, batched (0.5)")
    ax.set_yscale("log")
    ax.set_xticks([j + width * len(batches) / 2 for j in range(len(fleets))])
    ax.set_xticklabels([f"{n} agent(s)" for n in fleets])
    ax.set_ylabel("calls per completed task (log)")
    ax.legend(fontsize=7)
    return True


def _throughput(ax: Axes, sections: dict[str, Section]) -> bool:
    runs = [r for r in _runs(sections, "throughput") if r.get("done")]
    if not runs:
        return False
    labels = [f"ours, {r['agents']} agents\nCLAIM_BATCH={batch_label(r)}" for r in runs]
    values = [r["tasks_per_min"] for r in runs]
    ceilings = [r["ceiling_per_min"] for r in runs]
    naive = [r for r in _runs(sections, "naive") if r["quota"] and r.get("done")]
    if naive:
        labels.append(f"naive\n{naive[0]['workers']} workers")
        values.append(naive[0]["tasks_per_min"])
        ceilings.append(0.0)
    bars = ax.bar(range(len(values)), values, color=["C0"] * len(runs) + ["grey"] * len(naive))
    ax.bar_label(bars, fmt="%.0f", fontsize=8)
    for i, ceiling in enumerate(ceilings):
        if ceiling:
            ax.plot([i - 0.4, i + 0.4], [ceiling, ceiling], color="black", linewidth=1)
    ax.axhline(2000, color="red", linestyle="--", linewidth=1, label="goal 2,000/min")
    ax.plot([], [], color="black", linewidth=1, label="quota ceiling for its calls/task")
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylabel("tasks per minute")
    ax.legend(fontsize=7)
    return True


def _expansion(ax: Axes, sections: dict[str, Section]) -> bool:
    runs = _runs(sections, "expansion")
    if not runs:
        return False
    for run in runs:
        points = [s for s in run["sources"] if s["label"] != "warm-up"]
        xs = [s["entries"] for s in points]
        ys = [s["cycle_s"] for s in points]
        ax.plot(xs, ys, marker="o", label=f"History {run['history_rows']:,} rows")
        for s in points:
            ax.annotate(
                f"{s['reads']}r+{s['writes']}w",
                (s["entries"], s["cycle_s"]),
                fontsize=7,
                textcoords="offset points",
                xytext=(4, -10),
            )
    ytdlp = sections["expansion"].data.get("ytdlp_only", {})
    if ytdlp:
        xs = sorted(int(k) for k in ytdlp)
        ax.plot(
            xs, [ytdlp[k]["seconds"] for k in xs], linestyle=":", color="grey", label="yt-dlp alone"
        )
    ax.set_xlabel("entries in the source")
    ax.set_ylabel("leader cycle, seconds (labels: API calls)")
    ax.legend(fontsize=7)
    return True


def _failover(ax: Axes, sections: dict[str, Section]) -> bool:
    section = sections.get("failover")
    kills = [k for k in (section.data.get("kills", []) if section else []) if "error" not in k]
    if not kills:
        return False
    leases = sorted({k["lease_s"] for k in kills})
    for i, lease in enumerate(leases):
        mine = [k for k in kills if k["lease_s"] == lease]
        leader = [k["leader_s"] for k in mine if k["leader_s"] is not None]
        tasks = [k["tasks_s"] for k in mine if k["tasks_s"] is not None]
        ax.scatter(
            [i - 0.1] * len(leader), leader, color="C0", label="next leader" if not i else ""
        )
        ax.scatter(
            [i + 0.1] * len(tasks), tasks, color="C1", label="tasks reclaimed" if not i else ""
        )
        ax.plot([i - 0.3, i + 0.3], [lease, lease], color="black", linewidth=1)
        ax.plot(
            [i - 0.3, i + 0.3],
            [mine[0]["leader_bound_s"]] * 2,
            color="red",
            linestyle="--",
            linewidth=1,
        )
    ax.plot([], [], color="black", linewidth=1, label="configured lease")
    ax.plot([], [], color="red", linestyle="--", linewidth=1, label="lease + 2 heartbeats")
    ax.set_xticks(range(len(leases)))
    ax.set_xticklabels([f"lease {lease:g} s" for lease in leases])
    ax.set_ylabel("seconds after SIGKILL")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7)
    return True


def _footprint(ax: Axes, sections: dict[str, Section]) -> bool:
    section = sections.get("footprint")
    if not section or not section.data:
        return False
    idle = max(section.data["idle_agents"].values(), key=lambda f: f["rss_mb"])
    traced = section.data["index_tracemalloc"]["traced_bytes"] / 1024 / 1024
    rss = section.data["index_rss"]["extra_mb"]
    labels = ["idle agent\nRSS", "idle agent\nUSS", "100k index\n(traced)", "100k index\n(+RSS)"]
    values = [idle["rss_mb"], idle["uss_mb"], traced, rss]
    bars = ax.bar(range(4), values, color=["C0", "C0", "C2", "C2"])
    ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.plot([-0.4, 1.4], [80, 80], color="red", linestyle="--", linewidth=1, label="goal 80 MB")
    ax.plot([1.6, 3.4], [30, 30], color="orange", linestyle="--", linewidth=1, label="goal 30 MB")
    ax.set_xticks(range(4))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylabel("MB")
    ax.legend(fontsize=7)
    return True


def _backlog(ax: Axes, sections: dict[str, Section]) -> bool:
    runs = _runs(sections, "backlog")
    if not runs:
        return False
    xs = range(len(runs))
    ours = [r["cells_requested_per_read"] or 0 for r in runs]
    naive = [r["naive_cells_per_claim"] for r in runs]
    bars = ax.bar([x - 0.2 for x in xs], ours, 0.4, label="ours (claim window)")
    ax.bar_label(bars, fmt="%.0f", fontsize=8)
    bars = ax.bar([x + 0.2 for x in xs], naive, 0.4, label="naive (whole tab)", color="grey")
    ax.bar_label(bars, fmt="%.0f", fontsize=8)
    ax.set_yscale("log")
    ax.set_xticks(list(xs))
    ax.set_xticklabels([f"backlog {r['backlog']:,}" for r in runs])
    ax.set_ylabel("cells read per claim (log)")
    ax.legend(fontsize=7)
    return True
