#!/usr/bin/env python3
"""Put readers' item verdicts into the verdicts CSV that `zhijian sample --verdicts` wrote.

Usage: verdicts.py WORKSHEET.txt BLANK.csv OUT.csv READER ITEMS.csv...

Readers judge a worksheet item by item (ITEMS.csv: `item,verdict,reason`, verdict 确认/误判/存疑).
Each item is one rule on one call: the first evidence row of that call and rule in BLANK.csv gets
the item's verdict and reason and the others stay blank, so `zhijian precision OUT.csv` counts each
item once, as the reader judged it.
Items nobody judged are listed and left blank.
"""
import csv
import re
import sys


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    worksheet, blank, out, reader, judged = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    text = open(worksheet, encoding="utf-8").read()
    item_of = {
        (m.group(3), m.group(2)): m.group(1)
        for m in re.finditer(r"^第 (\d+) 项 / Item \d+ · (\w+) .*\n通话 (\S+)", text, re.M)
    }
    verdict = {}
    for path in judged:
        for row in csv.DictReader(open(path, encoding="utf-8-sig")):
            verdict[row["item"].strip().lstrip("#")] = (row["verdict"].strip(), row["reason"].strip())
    rows = list(csv.DictReader(open(blank, encoding="utf-8-sig")))
    unjudged, done = set(), set()
    for row in rows:
        item = item_of.get((row["call_id"], row["rule_id"]))
        if item in done:
            continue
        done.add(item)
        if item in verdict:
            row["verdict"], row["comment"] = verdict[item]
            row["reviewer"] = reader
        else:
            unjudged.add(item)
    with open(out, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(item_of)} items, {len(verdict)} verdicts; unjudged: {sorted(unjudged, key=str) or 'none'}")


if __name__ == "__main__":
    main()
