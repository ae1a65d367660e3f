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
    not know it; any other pattern ``re`` rejects is skipped and counted on stderr;
  * phrases written in zhijian's pattern syntax (``[甲|乙]``, ``{词库}``, ``{数字}``, ``…``, ``^``/``$``)
    become Python regexes the way a script author would write them by hand: lexicons spelled out
    as alternations, entities as rough number/unit classes, gaps as ``[^，。！？…]{0,N}``; plain
    phrases stay ``in`` tests.

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


ENDS = "，。！？；：、,.!?;:…~—\\s"
NUM = r"(?:\d+|[零〇一二两三四五六七八九十百千万几]+|\*+|[xX]{2,})"
ENTITIES = {
    "数字": NUM,
    "时长": NUM + r"(?:个)?(?:半)?(?:秒钟?|分钟|小时|钟头|天|工作日|周|星期|月|年)|半(?:个)?(?:小时|天)",
    "时间点": r"(?:今天|明天|后天|周[一二三四五六日天]|星期[一二三四五六日天])(?:上午|下午|晚上)?|(?:上午|下午|晚上)"
              + NUM + r"点|" + NUM + r"(?:个)?(?:小时|工作日|天)(?:之内|以内|内)",
    "工号": r"(?:[A-Za-z]{0,3}\d{2,}|[零〇一二两三四五六七八九幺]{2,}|\*{2,})",
    "金额": NUM + r"(?:元|块钱|块|毛)",
}


def load_lexicons(rules_dir: Path) -> dict[str, list[str]]:
    lexicons = {}
    for path in sorted((rules_dir / "lexicons").glob("*.toml")):
        doc = tomllib.loads(path.read_text("utf-8"))
        lexicons[doc["name"]] = [f"{{{i}}}" for i in doc.get("include", [])] + doc.get("terms", [])
    return lexicons


def is_plain(phrase: str) -> bool:
    return not any(c in phrase for c in "[]|{}…\\^$") and "..." not in phrase


def pattern_regex(phrase: str, lexicons: dict[str, list[str]], depth: int = 0) -> str:
    """A zhijian pattern as the Python regex a script author would write for it."""
    out, i = [], 0
    start = phrase.startswith("^")
    end = phrase.endswith("$") and not phrase.endswith("\\$")
    body = phrase[1 if start else 0: len(phrase) - (1 if end else 0)]
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(re.escape(body[i + 1])); i += 2
        elif c == "[":
            depth_b, j = 1, i + 1
            while j < len(body) and depth_b:
                depth_b += {"[": 1, "]": -1}.get(body[j], 0); j += 1
            inner, parts, level, cur = body[i + 1: j - 1], [], 0, ""
            for ch in inner:
                if ch == "|" and level == 0:
                    parts.append(cur); cur = ""
                    continue
                level += {"[": 1, "]": -1}.get(ch, 0); cur += ch
            parts.append(cur)
            out.append("(?:" + "|".join(pattern_regex(p.strip() or " ", lexicons, depth + 1) for p in parts) + ")")
            i = j
        elif c == "{":
            j = body.index("}", i)
            name = body[i + 1: j]
            if name.isdigit() and out and out[-1].startswith("[^"):
                out[-1] = f"[^{ENDS}]{{0,{name}}}"
            elif name in ENTITIES:
                out.append("(?:" + ENTITIES[name] + ")")
            elif name in lexicons and depth < 8:
                out.append("(?:" + "|".join(pattern_regex(t, lexicons, depth + 1) for t in lexicons[name]) + ")")
            i = j + 1
        elif c == "?":
            out.append("?"); i += 1
        elif c == "…" or body.startswith("...", i):
            while i < len(body) and (body[i] == "…" or body.startswith("...", i)):
                i += 1 if body[i] == "…" else 3
            out.append(f"[^{ENDS}]{{0,10}}")
        else:
            out.append(re.escape(c)); i += 1
    regex = "".join(out)
    if start:
        regex = f"(?:^|(?<=[{ENDS}]))" + regex
    if end:
        regex += f"(?=[{ENDS}]|$)"
    return regex


def split_phrases(phrases: list[str], lexicons: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """Plain phrases (tested with ``in``) and pattern phrases as Python regexes."""
    plain = [p for p in phrases if is_plain(p)]
    regexes = python_regexes([pattern_regex(p, lexicons) for p in phrases if not is_plain(p)])
    return plain, regexes


def load_rules(rules_dir: Path) -> list[dict]:
    rules = []
    bad = 0
    lexicons = load_lexicons(rules_dir)
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
        phrases, phrase_res = split_phrases(m.get("phrases", []) + after.get("phrases", []) + excuse_phrases, lexicons)
        excludes, exclude_res = split_phrases(m.get("exclude", []) + after.get("exclude", []), lexicons)
        regexes = python_regexes(m.get("regex", []) + after.get("regex", [])) + phrase_res
        excl_re = python_regexes(m.get("exclude_regex", []) + after.get("exclude_regex", [])) + exclude_res
        attempted = (
            len(m.get("regex", []) + after.get("regex", []) + m.get("exclude_regex", []) + after.get("exclude_regex", []))
            + len([p for p in m.get("phrases", []) + after.get("phrases", []) + excuse_phrases + m.get("exclude", []) + after.get("exclude", []) if not is_plain(p)])
        )
        bad += attempted - len(regexes) - len(excl_re)
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
            "phrases": phrases,
            "words": m.get("words", []),
            "regex": regexes,
            "exclude": excludes,
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
