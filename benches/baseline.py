#!/usr/bin/env python3
"""Baseline: the "fragile Python script" a QA team runs today, for the speed comparison.

基准对照:质检组现在常用的那种 Python 脚本。对每通电话的每一轮发言都先跑一遍
``jieba.lcut`` 分词,再把每条规则的每个短语用 ``in`` 查一遍、每个正则用 ``re.search``
查一遍,最后每通电话写一行 CSV。

What it does, per call and per turn:
  * ``jieba.lcut(text)`` — every turn is segmented, whether or not a rule needs words;
  * for every rule file under ``--rules`` (read with ``tomllib``): every string of
    ``phrases``, ``after.phrases`` and ``timing.excused_by.phrases`` is tested with ``in``,
    every ``words`` entry is tested against the jieba word list, every ``regex`` is run with
    ``re.search`` on the lower-cased text, and a hit is dropped if one of the rule's
    ``exclude`` strings or ``exclude_regex`` patterns is anywhere in the same turn;
  * score = 100 + Σ points × min(hits, max_hits), 0 if a ``fatal`` rule hit, clipped to 0–100.

What it does NOT do (it is a cost model, not a second implementation — its scores are not
expected to equal zhijian's):
  * no scopes: ``first`` / ``last`` / ``after.within`` windows are ignored (every turn of the
    rule's role is checked); ``mode = "absent"`` fires when no turn of that role matched;
  * exclusions are per turn, not per overlapping match;
  * no timing rules (interruptions, silences): timestamps are ignored, although the excuse
    phrases of a timing rule (请稍等…) are still searched for in every turn;
  * no Traditional → Simplified or full-width folding (a 繁體 call simply misses phrases);
  * ``\\p{Han}`` in a regex is rewritten to ``[\\u4e00-\\u9fff]`` because Python's ``re`` does
    not know it; any other pattern ``re`` rejects is skipped and counted on stderr.

Input: one or more JSONL files (``{"id","meta","turns":[{"role","text",...}]}`` per line).
Output: CSV ``call_id,score,hits`` on ``--out`` (or stdout).
Needs the ``jieba`` package (pip install jieba; MIT licence).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tomllib
from pathlib import Path

try:
    import jieba
except ImportError:  # pragma: no cover - run.sh installs it
    sys.exit("baseline.py needs jieba: pip install jieba  (benches/run.sh does this in a venv)")

AGENT = {"agent", "客服", "坐席", "座席", "话务员", "工作人员", "服务人员", "营业员"}


def python_regexes(patterns):
    """The rule regexes Python's re can compile, with \\p{Han} spelled as a range."""
    out = []
    for pattern in patterns:
        pattern = pattern.replace(r"\p{Han}", "[\u4e00-\u9fff]")
        try:
            re.compile(pattern)
            out.append(pattern)
        except re.error:
            pass
    return out


def load_rules(rules_dir: Path) -> list[dict]:
    rules = []
    bad = 0
    for path in sorted(rules_dir.rglob("*.toml")):
        doc = tomllib.loads(path.read_text("utf-8"))
        if "id" not in doc or "match" not in doc:
            continue  # scoring.toml
        m = doc["match"]
        after = m.get("after", {})
        excused = m.get("timing", {}).get("excused_by", [])
        if isinstance(excused, dict):
            excused = [excused]
        excuse_phrases = [p for e in excused for p in e.get("phrases", [])]
        regexes = python_regexes(m.get("regex", []) + after.get("regex", []))
        excl_re = python_regexes(m.get("exclude_regex", []) + after.get("exclude_regex", []))
        bad += len(m.get("regex", []) + after.get("regex", [])) - len(regexes)
        bad += len(m.get("exclude_regex", []) + after.get("exclude_regex", [])) - len(excl_re)
        rules.append({
            "id": doc["id"],
            "points": doc.get("points", 0),
            "max_hits": doc.get("max_hits", 1_000_000),
            "fatal": doc.get("fatal", False),
            "role": m.get("role"),
            "absent": m.get("mode") == "absent",
            # A timing rule's excuse phrases are still looked for (that is the cost) but a
            # found excuse is not a violation, and the timing itself is not checked.
            "counts": "timing" not in m,
            "phrases": m.get("phrases", []) + after.get("phrases", []) + excuse_phrases,
            "words": m.get("words", []),
            "regex": regexes,
            "exclude": m.get("exclude", []) + after.get("exclude", []),
            "exclude_regex": excl_re,
        })
    if bad:
        print(f"baseline: skipped {bad} regex(es) Python's re cannot compile", file=sys.stderr)
    return rules


def grade(call: dict, rules: list[dict]) -> tuple[int, dict[str, int]]:
    counts: dict[str, int] = {}
    seen_role: dict[str, bool] = {}
    for turn in call.get("turns", []):
        text = turn.get("text", "")
        role = "agent" if str(turn.get("role", "")).lower() in AGENT else "customer"
        words = jieba.lcut(text)
        low = text.lower()
        for rule in rules:
            if rule["role"] and rule["role"] != role:
                continue
            n = 0
            for p in rule["phrases"]:
                if p in low:
                    n += 1
            for w in rule["words"]:
                if w in words:
                    n += 1
            for r in rule["regex"]:
                if re.search(r, low):
                    n += 1
            if n:
                if any(e in low for e in rule["exclude"]) or any(
                    re.search(r, low) for r in rule["exclude_regex"]
                ):
                    n = 0
            if rule["absent"]:
                if n:
                    seen_role[rule["id"]] = True
            elif n and rule["counts"]:
                counts[rule["id"]] = counts.get(rule["id"], 0) + n
    for rule in rules:
        if rule["absent"] and not seen_role.get(rule["id"]):
            counts[rule["id"]] = 1
    score = 100
    for rule in rules:
        n = counts.get(rule["id"], 0)
        if n:
            if rule["fatal"]:
                return 0, counts
            score += rule["points"] * min(n, rule["max_hits"])
    return max(0, min(100, score)), counts


def main() -> int:
    ap = argparse.ArgumentParser(description="fragile-script baseline for zhijian benchmarks")
    ap.add_argument("inputs", nargs="+", type=Path, help="JSONL files")
    ap.add_argument("--rules", type=Path, default=Path("rules"))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    jieba.setLogLevel(60)  # silence "Building prefix dict ..." on stderr
    dictionary = args.rules / "dictionary.txt"
    if dictionary.exists():
        for line in dictionary.read_text("utf-8").splitlines():
            fields = line.split("#")[0].split()
            if fields:
                freq = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None
                jieba.add_word(fields[0], freq, fields[2] if len(fields) > 2 else None)
    rules = load_rules(args.rules)

    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    w = csv.writer(out)
    w.writerow(["call_id", "score", "hits"])
    n = 0
    for path in args.inputs:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                call = json.loads(line)
                score, counts = grade(call, rules)
                w.writerow([call.get("id", ""), score,
                            ";".join(f"{k}:{v}" for k, v in sorted(counts.items()))])
                n += 1
    if out is not sys.stdout:
        out.close()
    print(f"baseline: graded {n} calls", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
