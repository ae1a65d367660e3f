#!/usr/bin/env python3
"""Writes a rule set that is the given one replicated N times under new ids.

Usage: replicate_rules.py RULES_DIR OUT_DIR N

Copy k (k = 2..N) of rule OPN001 becomes OPN001K<k> in <category>/OPN001K<k>-<name>.toml, and
its references to other rules (rule = "EMP001") point at copy k of those rules, so every copy
is a working rule that matches exactly what the original matches. Lexicons, scoring.toml,
sound-alike.toml and dictionary.txt are shared. The benchmark uses this to measure what the number of rules costs.
"""
import pathlib
import re
import shutil
import sys


def main() -> None:
    src, out, n = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(src, out)
    # Rule files are the ones with an id: scoring.toml, sound-alike.toml and the lexicons are
    # shared by every copy.
    rules = [p for p in src.rglob("*.toml")
             if "lexicons" not in p.relative_to(src).parts
             and re.search(r'^id = "([^"]+)"', p.read_text(encoding="utf-8"), re.M)]
    ids = set()
    for p in rules:
        ids.add(re.search(r'^id = "([^"]+)"', p.read_text(encoding="utf-8"), re.M).group(1))
    id_re = re.compile(r'"(' + "|".join(sorted(ids, key=len, reverse=True)) + r')"')
    for p in rules:
        text = p.read_text(encoding="utf-8")
        rid = re.search(r'^id = "([^"]+)"', text, re.M).group(1)
        rest = p.name[len(rid):]
        for k in range(2, n + 1):
            copy = id_re.sub(lambda m: f'"{m.group(1)}K{k}"', text)
            (out / p.relative_to(src).parent / f"{rid}K{k}{rest}").write_text(copy, encoding="utf-8")


if __name__ == "__main__":
    main()
