#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Plot the contig guest's results (tools/contig_report.py reads them).

    tools/plot_contig.py --out DIR LOG...

Writes into DIR:
  contig-remap.png    machine-contiguous runs and share in 2 MiB extents
                      of the remapped window, by mode and heap policy
  contig-dma.png      exchange success, fresh and after the churn, grouping
                      on and off
  contig-balloon.png  free 2 MiB blocks around ballooning 2 MiB extents and
                      scattered 4 KiB pages
  contig-heap-map.png the heap's pageblocks (free, guest, unmovable, other)
                      before the churn, after it and after its release,
                      grouping on and off (mica's heap-blocks lines)
Needs python3-matplotlib (scripts/deps.sh).
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contig_report  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

CLASSES = [(".", "free", "#e8e8e8"), ("G", "guest", "#3b73b9"),
           ("U", "unmovable", "#d62728"), ("X", "not the heap's", "#555555")]


def num(v):
    try:
        return float(str(v).rstrip("%"))
    except ValueError:
        return None


def save(fig, out, name, rect=(0, 0, 1, 1)):
    path = os.path.join(out, name)
    fig.tight_layout(rect=rect)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def label(r):
    """The mode and the boot it came from (the log's name), or Xen."""
    boot = os.path.basename(r["log"]).rsplit(".", 1)[0]
    return "%s\n%s" % (r["mode"], "Xen 4.17" if r["policy"] == "xen" else boot)


def plot_remap(results, out):
    rs = [r for r in results if r.get("experiment") == "remap"]
    if not rs:
        return None
    fig, (a, b) = plt.subplots(1, 2, figsize=(15, 5))
    xs = range(len(rs))
    a.bar(xs, [num(r["runs"]) for r in rs], color="#3b73b9")
    a.set_yscale("log")
    a.set_ylabel("machine-contiguous runs (log)")
    a.set_title("remapped window: runs (fewer is better)")
    b.bar(xs, [num(r["share2m"]) for r in rs], color="#2ca02c")
    b.axhline(95, color="#d62728", linestyle="--", linewidth=1, label="goal for batched: 95%")
    b.set_ylim(0, 105)
    b.set_ylabel("% in 2 MiB-aligned extents")
    b.set_title("remapped window: share in 2 MiB extents")
    b.legend(loc="lower right", fontsize=8)
    for ax in (a, b):
        ax.set_xticks(list(xs))
        ax.set_xticklabels([label(r) for r in rs], fontsize=7, rotation=45, ha="right")
    return save(fig, out, "contig-remap.png")


def plot_dma(results, out):
    rs = [r for r in results if r.get("experiment") == "dma"]
    if not rs:
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = range(len(rs))
    vals = [contig_report.ratio(r.get("success")) or 0 for r in rs]
    ax.bar(xs, vals, color=["#2ca02c" if v >= 99 else "#d62728" for v in vals])
    ax.axhline(99, color="#d62728", linestyle="--", linewidth=1, label="goal after the churn: 99%")
    ax.set_ylim(0, 105)
    ax.set_ylabel("% of exchanges that succeeded")
    ax.set_title("DMA buffers (64 KiB..4 MiB, below 4 GiB) through XENMEM_exchange")
    ax.set_xticks(list(xs))
    ax.set_xticklabels(["%s\n%s\n%s" % (r["mode"], "Xen 4.17" if r["policy"] == "xen"
                                         else "grouping " + r["grouping"], r["success"])
                        for r in rs], fontsize=7)
    ax.legend(loc="lower right", fontsize=8)
    return save(fig, out, "contig-dma.png")


def plot_balloon(results, out):
    rs = []
    for r in results:
        vals = [num(d.get("free_2m", "")) for _, d in r.get("dump_list", [])]
        if r.get("experiment") == "balloon" and len(vals) == 3 and None not in vals:
            rs.append((r, vals))
    if not rs:
        return None
    fig, ax = plt.subplots(figsize=(8, 4))
    steps = [("before", "#7f7f7f"), ("given back", "#2ca02c"), ("taken again", "#3b73b9")]
    width = 0.25
    for k, (step, colour) in enumerate(steps):
        ax.bar([i + (k - 1) * width for i in range(len(rs))], [v[k] for _, v in rs],
               width, label=step, color=colour)
    low = min(min(v) for _, v in rs)
    ax.set_ylim(max(0, low - 10), max(max(v) for _, v in rs) + 5)
    ax.set_xticks(range(len(rs)))
    ax.set_xticklabels(["%s: %s pages\ngrouping %s" % (
        "2 MiB extents" if r["mode"] == "2m" else "scattered 4 KiB", r.get("pages"),
        r["grouping"]) for r, _ in rs], fontsize=8)
    ax.set_ylabel("free 2 MiB blocks on the host")
    ax.set_title("ballooning: what the host has left in whole 2 MiB blocks")
    ax.legend(fontsize=8)
    return save(fig, out, "contig-balloon.png")


def decode(rle):
    cells = []
    for c, n in re.findall(r"([.GUX])(\d+)", rle):
        cells += [c] * int(n)
    return cells


def plot_heap_map(logs, out):
    """The dma runs' heap-blocks maps: rows grouping on/off, columns stages."""
    stages = [("dma-fresh", "before the churn"), ("dma-churned", "after the churn"),
              ("dma-end", "churn given back")]
    rows = []
    for log in logs:
        results, dumps = contig_report.parse(log)
        dma = [r for r in results if r.get("experiment") == "dma"]
        if dma and all(t in dumps and dumps[t].get("map") for t, _ in stages):
            rows.append((dma[0].get("grouping", "?"), dma[0].get("policy", "?"), dumps))
    if not rows:
        return None
    rows.sort(key=lambda x: x[0] != "on")
    index = {c: i for i, (c, _, _) in enumerate(CLASSES)}
    cmap = ListedColormap([col for _, _, col in CLASSES])
    fig, axes = plt.subplots(len(rows), len(stages), figsize=(12, 2.8 * len(rows)),
                             squeeze=False)
    for i, (grouping, policy, dumps) in enumerate(rows):
        for j, (tag, title) in enumerate(stages):
            cells = decode(dumps[tag]["map"])
            width = 32
            height = (len(cells) + width - 1) // width
            grid = [[index["X"]] * width for _ in range(height)]
            for k, c in enumerate(cells):
                grid[k // width][k % width] = index[c]
            ax = axes[i][j]
            ax.imshow(grid, cmap=cmap, vmin=0, vmax=len(CLASSES) - 1,
                      interpolation="nearest", aspect="auto")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title("grouping %s: %s\nfree 2 MiB blocks %s, unmovable %s"
                         % (grouping, title, dumps[tag].get("free_2m", "?"),
                            dumps[tag].get("unmovable_blocks", "?")), fontsize=8)
    fig.legend(handles=[Patch(color=col, label=name) for _, name, col in CLASSES],
               loc="lower center", ncol=len(CLASSES), fontsize=8)
    fig.suptitle("mica's heap, one cell per 2 MiB pageblock (32 a row, low addresses first)",
                 fontsize=10)
    return save(fig, out, "contig-heap-map.png", rect=(0, 0.06, 1, 0.95))


def main(argv):
    out, logs = None, []
    it = iter(argv)
    for a in it:
        if a == "--out":
            out = next(it, None)
        else:
            logs.append(a)
    if not out or not logs:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    os.makedirs(out, exist_ok=True)
    results = []
    for log in logs:
        results += contig_report.parse(log)[0]
    if not results:
        print("plot_contig.py: no result lines in %s" % " ".join(logs), file=sys.stderr)
        return 1
    made = [p for p in (plot_remap(results, out), plot_dma(results, out),
                        plot_balloon(results, out), plot_heap_map(logs, out)) if p]
    for p in made:
        print("plot_contig.py: wrote %s" % p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
