#!/usr/bin/env python3
"""Count what readers found in whole dialogues: wrong hits, clear misses and uncovered problems.

Usage: dialogues.py FINDINGS.csv...   (the readers' `dialogue,kind,rule,turn,words,reason` files)

Prints, per kind, the number of findings and how they split by rule, and how many dialogues had
nothing to report.
"""
import collections
import csv
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    by_kind = collections.defaultdict(collections.Counter)
    dialogues, quiet = set(), set()
    for path in sys.argv[1:]:
        for row in csv.DictReader(open(path, encoding="utf-8-sig")):
            kind = row["kind"].strip().lower()
            dialogues.add(row["dialogue"].strip())
            if kind == "none":
                quiet.add(row["dialogue"].strip())
                continue
            by_kind[kind][row["rule"].strip() or "—"] += 1
    print(f"{len(dialogues)} dialogues, {len(quiet)} with nothing to report")
    for kind in ("wrong", "miss", "uncovered"):
        counts = by_kind.get(kind, collections.Counter())
        detail = ", ".join(f"{rule} {n}" for rule, n in counts.most_common())
        print(f"{kind}: {sum(counts.values())}" + (f" ({detail})" if detail else ""))


if __name__ == "__main__":
    main()
