#!/usr/bin/env python3
"""How zhijian's score tracks customer satisfaction on the STC-3 Weibo threads of the dev set.

Usage: satisfaction.py DEV.jsonl SCORES.csv [FINDINGS.csv]

STC-3 threads carry `quality_S` in `meta`: the mean of 19 annotators' judgements (-2..2) of the
customer's satisfaction. Prints the Spearman rank correlation between the score and quality_S,
and how often calls are flagged for review in the least-satisfied quarter against the rest. With
the findings, also each rule's mean quality_S on the threads it fires on and on the others: a
deduction that tracks dissatisfaction fires on threads with a lower mean.
"""
import csv
import json
import statistics
import sys


def ranks(values):
    order = sorted(range(len(values)), key=values.__getitem__)
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2  # ties share their mean rank
        i = j + 1
    return r


def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    mx, my = statistics.mean(rx), statistics.mean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    return cov / (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    quality = {}
    for line in open(sys.argv[1], encoding="utf-8"):
        d = json.loads(line)
        if "quality_S" in d["meta"]:
            quality[d["id"]] = d["meta"]["quality_S"]
    rows = [r for r in csv.DictReader(open(sys.argv[2], encoding="utf-8-sig")) if r["call_id"] in quality]
    score = [float(r["score"]) for r in rows]
    sat = [quality[r["call_id"]] for r in rows]
    quarter = sorted(sat)[len(sat) // 4]
    low = [r for r in rows if quality[r["call_id"]] <= quarter]
    rest = [r for r in rows if quality[r["call_id"]] > quarter]
    flagged = lambda rs: sum(r["flagged"] == "true" for r in rs) / len(rs)
    print(f"threads with quality_S: {len(rows)}")
    print(f"Spearman(score, quality_S): {spearman(score, sat):.3f}")
    print(f"flagged, least-satisfied quarter (quality_S <= {quarter}): {flagged(low):.1%} of {len(low)}")
    print(f"flagged, the rest: {flagged(rest):.1%} of {len(rest)}")
    if len(sys.argv) == 4:
        fired = {}
        for r in csv.DictReader(open(sys.argv[3], encoding="utf-8-sig")):
            if r["call_id"] in quality:
                fired.setdefault(r["rule_id"], set()).add(r["call_id"])
        print("| rule | threads fired | mean quality_S, fired | mean quality_S, not fired |")
        print("|---|---:|---:|---:|")
        for rule, ids in sorted(fired.items()):
            others = [quality[r["call_id"]] for r in rows if r["call_id"] not in ids]
            print(f"| {rule} | {len(ids)} | {statistics.mean(quality[i] for i in ids):+.2f} | "
                  f"{statistics.mean(others):+.2f} |")


if __name__ == "__main__":
    main()
