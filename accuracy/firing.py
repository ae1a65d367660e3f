#!/usr/bin/env python3
"""Firing rate of each rule per channel: the share of a channel's dialogues a rule fires on.

Usage: firing.py SCORES.csv FINDINGS.csv   (from `zhijian grade … --out SCORES.csv --findings FINDINGS.csv`)

A rule that fires on most dialogues of a channel is almost always wrong there; the accuracy
report holds every rule to at most 40 % unless an audit shows that many hits are right.
"""
import collections
import csv
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    channel = {r["call_id"]: r["channel"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"))}
    calls = collections.Counter(channel.values())
    fired = collections.defaultdict(set)
    for r in csv.DictReader(open(sys.argv[2], encoding="utf-8-sig")):
        fired[(r["rule_id"], channel[r["call_id"]])].add(r["call_id"])
    channels = sorted(calls)
    print("| rule | " + " | ".join(f"{c} ({calls[c]})" for c in channels) + " |")
    print("|---|" + "---|" * len(channels))
    for rule in sorted({k[0] for k in fired}):
        cells = []
        for c in channels:
            n = len(fired[(rule, c)])
            cells.append(f"{n} ({100 * n / calls[c]:.0f} %)" if n else "–")
        print(f"| {rule} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
