#!/usr/bin/env python3
"""Split a `zhijian sample` worksheet into parts for several readers.

Usage: split.py WORKSHEET.txt N PREFIX   (writes PREFIX1.txt … PREFIXN.txt)

Each part keeps the worksheet's header (how the sample was drawn, the strata, how to judge) and a
contiguous run of items, so a reader sees whole items and the item numbers of the full sheet.
"""
import re
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    source, n, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    text = open(source, encoding="utf-8").read()
    starts = [m.start() for m in re.finditer(r"^第 \d+ 项", text, re.M)]
    if not starts:
        sys.exit(f"{source}: no items (第 N 项) found")
    # An item begins at the rule of ===== just above its 第 N 项 line.
    bounds = [text.rfind("\n=", 0, s) + 1 for s in starts] + [len(text)]
    header = text[: bounds[0]]
    items = [text[bounds[i] : bounds[i + 1]] for i in range(len(starts))]
    per = -(-len(items) // n)
    for part in range(n):
        chunk = items[part * per : (part + 1) * per]
        with open(f"{prefix}{part + 1}.txt", "w", encoding="utf-8") as out:
            out.write(header + "".join(chunk))
        print(f"{prefix}{part + 1}.txt: {len(chunk)} items")


if __name__ == "__main__":
    main()
