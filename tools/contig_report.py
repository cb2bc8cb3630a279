#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Read the contig guest's result lines and mica's heap census from serial
logs, print a results table, and with --check judge the goals of issue 6.

    tools/contig_report.py [--check] [--quiet] LOG...

A result line (guests/contig/contig.h has the format) is "result: k=v ...";
"heap-dump: tag=T" precedes a sysctl debug_keys 'p', after which mica prints
"heap-blocks: ..." and "heap-summary: ...". Both may carry a "(dN) " prefix.
policy and grouping "default" (nothing on mica's command line) are read
from the heap-summary lines, which say what the heap did; a log of Xen
(its "(XEN)" lines, no census) reads as policy "xen".

--quiet says nothing when the logs hold no result line (make run without
the contig guest). --check prints "ok - ..." or "not ok - ..." per goal and, last,
"N passed, N failed"; it exits 1 if a goal was missed or a log holds no
result at all.
"""
import re
import sys

PREFIX = re.compile(r"^\(d\d+\) ")


def fields(text):
    out = {}
    for word in text.split():
        if "=" in word:
            k, v = word.split("=", 1)
            out[k] = v
    return out


def parse(path):
    """The log's result lines, each with the heap dumps by tag."""
    results, dumps, tag, summary_policy = [], {}, None, {}
    on_xen = False
    with open(path, errors="replace") as f:
        for raw in f:
            line = PREFIX.sub("", raw.rstrip("\r\n"))
            on_xen = on_xen or line.startswith("(XEN) ")
            if line.startswith("heap-dump: "):
                tag = fields(line[len("heap-dump: "):]).get("tag")
            elif line.startswith("heap-blocks: "):
                if tag:
                    dumps.setdefault(tag, {})["map"] = fields(line[13:]).get("map", "")
            elif line.startswith("heap-summary: "):
                s = fields(line[len("heap-summary: "):])
                summary_policy = {"policy": s.get("split"), "grouping": s.get("grouping")}
                if tag:
                    dumps.setdefault(tag, {}).update(s)
            elif line.startswith("result: "):
                r = fields(line[len("result: "):])
                r["log"] = path
                results.append(r)
    # Xen itself: no census, and its own allocator (upper halves first).
    if on_xen and not summary_policy:
        summary_policy = {"policy": "xen", "grouping": "-"}
    for r in results:
        for k in ("policy", "grouping"):
            if r.get(k) == "default" and summary_policy.get(k):
                r[k] = summary_policy[k]
        tags = []
        if r.get("experiment") == "balloon":
            tags = ["balloon-%s-%s" % (r.get("mode"), s) for s in ("start", "down", "up")]
        elif r.get("experiment") == "dma" and r.get("mode") == "churned":
            tags = ["dma-fresh", "dma-churned", "dma-end"]
        r["dump_list"] = [(t, dumps.get(t, {})) for t in tags]
    return results, dumps


def percent(v):
    try:
        return float(v.rstrip("%"))
    except (AttributeError, ValueError):
        return None


def ratio(v):
    m = re.match(r"^(\d+)/(\d+)$", v or "")
    if not m or int(m.group(2)) == 0:
        return None
    return 100.0 * int(m.group(1)) / int(m.group(2))


def free2m(r):
    """free 2 MiB blocks at each dump the result names, as 'a -> b -> c'."""
    vals = [d.get("free_2m", "?") for _, d in r["dump_list"]]
    return " -> ".join(vals) if vals else "-"


def table(results):
    cols = ["experiment", "mode", "policy", "grouping", "pages", "runs",
            "largest", "share2m", "success", "free 2M blocks"]
    rows = []
    for r in results:
        succ = r.get("success", "-")
        pct = ratio(succ)
        if pct is not None:
            succ = "%s (%.1f%%)" % (succ, pct)
        rows.append([r.get("experiment", "?"), r.get("mode", "?"), r.get("policy", "?"),
                     r.get("grouping", "?"), r.get("pages", "-"), r.get("runs", "-"),
                     r.get("largest", "-"), r.get("share2m", "-"), succ, free2m(r)])
    widths = [max(len(c), *(len(row[i]) for row in rows)) if rows else len(c)
              for i, c in enumerate(cols)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    print(line(cols))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))


def check(results, logs_without):
    verdicts = []

    def goal(ok, what):
        verdicts.append((bool(ok), what))

    for log in logs_without:
        goal(False, "%s: no result line" % log)
    for r in results:
        e, m, pol, grp = r.get("experiment"), r.get("mode"), r.get("policy"), r.get("grouping")
        name = "%s %s (alloc_order=%s, grouping %s)" % (e, m, pol, grp)
        if e == "remap" and m == "single" and pol == "lower":
            goal(r.get("runs") == "1", "%s: one machine-contiguous run (%s)" % (name, r.get("runs")))
        if e == "remap" and m == "batched":
            p = percent(r.get("share2m"))
            goal(p is not None and p >= 95.0, "%s: >= 95%% in 2 MiB extents (%s)" % (name, r.get("share2m")))
        if e == "dma" and m == "churned" and grp == "on":
            p = ratio(r.get("success"))
            goal(p is not None and p >= 99.0, "%s: >= 99%% of exchanges (%s)" % (name, r.get("success")))
        if e == "dma" and m == "fresh":
            p = ratio(r.get("success"))
            goal(p is not None and p >= 99.0, "%s: >= 99%% of exchanges (%s)" % (name, r.get("success")))
        if e == "balloon":
            vals = [d.get("free_2m") for _, d in r["dump_list"]]
            if len(vals) != 3 or None in vals:
                goal(False, "%s: three heap dumps with free_2m (%s)" % (name, vals))
                continue
            start, down, up = (int(v) for v in vals)
            blocks = int(r.get("pages", "0")) // 512
            if m == "2m":
                goal(down - start >= blocks,
                     "%s: giving back %d 2 MiB extents frees as many blocks (%d -> %d)"
                     % (name, blocks, start, down))
                goal(up >= start - 1, "%s: taking them again costs no more (%d -> %d)" % (name, down, up))
            else:
                goal(down - start <= 1,
                     "%s: scattered pages free no whole block (%d -> %d)" % (name, start, down))
                if grp == "on":
                    goal(up >= start - 1,
                         "%s: taking pages again breaks no free block (%d -> %d)" % (name, start, up))
    for ok, what in verdicts:
        print("%s - %s" % ("ok" if ok else "not ok", what))
    passed = sum(1 for ok, _ in verdicts if ok)
    print("%d passed, %d failed" % (passed, len(verdicts) - passed))
    return passed == len(verdicts)


def main(argv):
    do_check = "--check" in argv
    quiet = "--quiet" in argv
    logs = [a for a in argv if not a.startswith("--")]
    if not logs:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    results, without = [], []
    for log in logs:
        try:
            rs, _ = parse(log)
        except OSError as e:
            print("contig_report.py: %s" % e, file=sys.stderr)
            return 2
        if not rs:
            without.append(log)
        results += rs
    if results:
        table(results)
    elif not do_check and not quiet:
        print("contig_report.py: no result lines in %s" % " ".join(logs))
    if do_check:
        return 0 if check(results, without) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
