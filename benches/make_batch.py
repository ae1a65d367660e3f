#!/usr/bin/env python3
"""Build a synthetic benchmark batch for zhijian from real-looking transcripts.

基准测试用的合成批量数据:从 corpus/ 里的通话 (.txt / .json / .jsonl) 和规则文件的
[[example]] 对话中抽样,生成 N 通带唯一 id 的通话,写成

  OUT/calls.jsonl        一行一通,全部 N 通 (zhijian 的 JSONL 输入格式)
  OUT/calls-sample.jsonl 前 --sample 通 (给 Python 基准脚本用;等于 N 时不写)
  OUT/txt/NNN/<id>.txt   前 min(N, --txt-files) 通,每通一个文本文件 (ROLE：text 格式)

Each synthetic call takes one source call as its skeleton (so openings and closings stay
where they are) and, half of the time, splices in 1-3 chunks of 2-4 consecutive middle turns
from other calls, so calls differ in length and content. Calls that carry timestamps on every
turn are re-timed: each turn keeps its own duration and its gap to the turn before (negative
gaps, i.e. interruptions, included), so timing rules still see realistic overlaps and silences.

Stdlib only; the same --seed always gives byte-identical output.
Prints one JSON line of statistics on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tomllib
from pathlib import Path

AGENT_LABELS = {"客服", "坐席", "座席", "服务人员", "话务员", "工作人员", "营业员", "agent"}
CUSTOMER_LABELS = {"客户", "顾客", "用户", "来电人", "customer"}
# Traditional spellings of the labels above (zhijian folds them; we only need to read them).
TRAD = str.maketrans({"戶": "户", "員": "员", "務": "务", "話": "话", "來": "来", "電": "电",
                      "顧": "顾", "營": "营", "業": "业", "蓆": "席"})

TS_PART = r"(?:(\d{1,2}):)?(\d{1,3}):(\d{1,2}(?:\.\d{1,3})?)"
TIMESTAMP = re.compile(r"^[\[【]\s*" + TS_PART + r"\s*[-~–—]\s*" + TS_PART + r"\s*[\]】]\s*")


def role_of(label: str) -> str | None:
    label = label.strip().translate(TRAD).lower()
    if label in AGENT_LABELS:
        return "agent"
    if label in CUSTOMER_LABELS:
        return "customer"
    return None


def split_colon(s: str):
    m = re.search(r"[:：]", s)
    if not m:
        return None
    return s[: m.start()], s[m.end():]


def split_role(line: str):
    parts = split_colon(line)
    if not parts:
        return None
    label, said = parts
    if len(label) > 24:
        return None
    head = re.split(r"[(（\[【 \u3000\-_]", label)[0]
    role = role_of(head)
    return (role, said) if role else None


def to_ms(h, m, s) -> int:
    return (int(h or 0) * 3600 + int(m) * 60) * 1000 + round(float(s) * 1000)


def parse_text(text: str) -> dict | None:
    """A `ROLE：text` transcript → {meta, turns}; None if it is not a gradable call."""
    meta: dict[str, str] = {}
    turns: list[dict] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if not turns and line.startswith("#"):
            kv = split_colon(line[1:])
            if kv:
                meta[kv[0].strip()] = kv[1].strip()
            continue
        begin = end = None
        m = TIMESTAMP.match(line)
        if m:
            begin, end = to_ms(*m.group(1, 2, 3)), to_ms(*m.group(4, 5, 6))
            if end < begin:
                return None
            line = line[m.end():]
        rs = split_role(line)
        if rs:
            turns.append({"role": rs[0], "text": rs[1].strip(), "begin": begin, "end": end})
        elif m:
            return None
        elif turns:
            last = turns[-1]
            last["text"] = (last["text"] + "\n" + line) if last["text"] else line
    meta.pop("id", None)
    return valid({"meta": meta, "turns": turns})


def from_json(obj) -> dict | None:
    if not isinstance(obj, dict) or not isinstance(obj.get("turns"), list):
        return None
    turns = []
    for t in obj["turns"]:
        if not isinstance(t, dict) or not isinstance(t.get("text"), str):
            return None
        role = role_of(str(t.get("role", "")))
        if role is None:
            return None
        b, e = t.get("begin"), t.get("end")
        if not (isinstance(b, int) and isinstance(e, int) and 0 <= b <= e):
            b = e = None
        turns.append({"role": role, "text": t["text"].strip(), "begin": b, "end": e})
    meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
    meta = {str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
            for k, v in meta.items() if v is not None}
    return valid({"meta": meta, "turns": turns})


def valid(call: dict) -> dict | None:
    turns = [t for t in call["turns"] if t["text"]]
    if not turns or not any(t["role"] == "agent" for t in turns):
        return None
    call["turns"] = turns
    call["timed"] = all(t["begin"] is not None for t in turns)
    return call


def read_corpus(root: Path) -> tuple[list[dict], int]:
    calls, skipped = [], 0
    if not root.is_dir():
        return calls, skipped
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(p.startswith(".") for p in path.relative_to(root).parts):
            continue
        ext = path.suffix.lower()
        if ext not in (".txt", ".json", ".jsonl", ".ndjson"):
            continue
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            skipped += 1  # GB18030 exports and broken files are test fixtures, not speech
            continue
        found: list[dict | None] = []
        try:
            if ext == ".txt":
                found = [parse_text(text)]
            elif ext == ".json":
                doc = json.loads(text)
                found = [from_json(c) for c in (doc if isinstance(doc, list) else [doc])]
            else:
                for line in text.splitlines():
                    if line.strip():
                        try:
                            found.append(from_json(json.loads(line)))
                        except json.JSONDecodeError:
                            found.append(None)
        except json.JSONDecodeError:
            found = [None]
        skipped += sum(c is None for c in found)
        calls += [c for c in found if c is not None]
    return calls, skipped


def read_examples(rules: Path) -> list[dict]:
    calls = []
    for path in sorted(rules.rglob("*.toml")):
        try:
            doc = tomllib.loads(path.read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        for ex in doc.get("example", []):
            call = parse_text(ex.get("text", ""))
            if call:
                calls.append(call)
    return calls


def middle_chunks(calls: list[dict]) -> list[list[dict]]:
    """Runs of 2-4 consecutive turns from the middle of calls (not the first/last 2 turns)."""
    chunks = []
    for call in calls:
        turns = call["turns"]
        for start in range(2, len(turns) - 3, 2):
            chunks.append(turns[start:start + 2 + (start % 3)])
    return [c for c in chunks if c]


def retime(turns: list[dict], rng: random.Random) -> None:
    """Lays turns out one after another, keeping each turn's duration and gap."""
    clock = rng.randrange(0, 3000)
    for t in turns:
        dur, gap = t["_dur"], t["_gap"]
        begin = max(0, clock + gap)
        t["begin"], t["end"] = begin, begin + dur
        clock = max(clock, t["end"])


def with_timing_shape(call: dict) -> list[dict]:
    out, prev_end = [], None
    for t in call["turns"]:
        t = dict(t)
        if call["timed"]:
            t["_dur"] = t["end"] - t["begin"]
            t["_gap"] = 0 if prev_end is None else t["begin"] - prev_end
            prev_end = t["end"]
        else:
            t["_dur"] = 400 + 220 * len(t["text"])
            t["_gap"] = 600
        out.append(t)
    return out


def synthesize(i: int, rng: random.Random, corpus: list[dict], examples: list[dict],
               chunks: list[list[dict]]) -> dict:
    if corpus and (not examples or rng.random() >= 0.1):
        base = rng.choice(corpus)
    else:
        base = rng.choice(examples)
    turns = with_timing_shape(base)
    timed = base["timed"]
    if chunks and len(turns) >= 4 and rng.random() < 0.5:
        for _ in range(rng.randint(1, 3)):
            chunk = rng.choice(chunks)
            at = rng.randint(2, len(turns) - 2)
            # Keep the roles alternating where the chunk goes in.
            if turns[at - 1]["role"] == chunk[0]["role"] and len(chunk) > 2:
                chunk = chunk[1:]
            piece = []
            for t in chunk:
                t = dict(t)
                t["_dur"] = 400 + 220 * len(t["text"])
                t["_gap"] = rng.choice([-300, 200, 400, 700, 900, 1500])
                piece.append(t)
            turns[at:at] = piece
    if timed:
        retime(turns, rng)
    meta = dict(base["meta"])
    if "agent" not in meta and rng.random() < 0.7:
        meta["agent"] = f"{rng.choice('张王李赵刘陈杨黄周吴')}{rng.choice(['敏', '伟', '芳', '娜', '强', '静', '磊', '洋'])}"
    return {
        "id": f"bench-{i:06d}",
        "meta": meta,
        "turns": [
            {"role": t["role"], "text": t["text"], "begin": t["begin"] if timed else None,
             "end": t["end"] if timed else None}
            for t in turns
        ],
    }


def fmt_ts(ms: int) -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s = rem / 1000
    return f"{h}:{m:02d}:{s:06.3f}" if h else f"{m:02d}:{s:06.3f}"


def to_jsonl(call: dict) -> str:
    turns = []
    for t in call["turns"]:
        jt = {"role": t["role"], "text": t["text"]}
        if t["begin"] is not None:
            jt["begin"], jt["end"] = t["begin"], t["end"]
        turns.append(jt)
    obj = {"id": call["id"], "meta": call["meta"], "turns": turns}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


LABELS = {"agent": ["客服"] * 6 + ["坐席", "话务员"], "customer": ["客户"] * 6 + ["顾客", "用户"]}


def to_text(call: dict, rng: random.Random) -> str:
    agent_label, customer_label = rng.choice(LABELS["agent"]), rng.choice(LABELS["customer"])
    lines = [f"# id: {call['id']}"]
    lines += [f"# {k}: {v}" for k, v in call["meta"].items() if "\n" not in v]
    for t in call["turns"]:
        label = agent_label if t["role"] == "agent" else customer_label
        # Continuation lines must not look like a new turn or a timestamp.
        text = "\n".join(
            ln for ln in t["text"].split("\n")
            if ln.strip() and not split_role(ln) and not TIMESTAMP.match(ln.strip())
        ) or t["text"].replace("\n", " ")
        ts = f"[{fmt_ts(t['begin'])}-{fmt_ts(t['end'])}] " if t["begin"] is not None else ""
        lines.append(f"{ts}{label}：{text}")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path("corpus"))
    ap.add_argument("--rules", type=Path, default=Path("rules"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--txt-files", type=int, default=5000)
    ap.add_argument("--sample", type=int, default=2000,
                    help="also write the first N calls to calls-sample.jsonl (for the baseline), "
                         "unless N is the whole batch")
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args()

    corpus, skipped = read_corpus(args.corpus)
    examples = read_examples(args.rules)
    if not corpus and not examples:
        print("make_batch: no calls found in corpus/ or in the rule examples", file=sys.stderr)
        return 2
    chunks = middle_chunks(corpus or examples)
    rng = random.Random(args.seed)
    label_rng = random.Random(args.seed + 1)  # so the JSONL does not depend on --txt-files

    args.out.mkdir(parents=True, exist_ok=True)
    txt_dir = args.out / "txt"
    n_txt = min(args.calls, args.txt_files)
    stats = {"calls": args.calls, "txt_files": n_txt, "corpus_calls": len(corpus),
             "corpus_skipped": skipped, "example_calls": len(examples), "turns": 0,
             "timed_calls": 0, "jsonl_bytes": 0, "txt_bytes": 0, "sample_calls": 0,
             "sample_bytes": 0}
    n_sample = min(args.sample, args.calls)
    # The sample is only written when it is smaller than the batch (else it is calls.jsonl).
    sample_path = args.out / "calls-sample.jsonl" if n_sample < args.calls else os.devnull
    with open(args.out / "calls.jsonl", "w", encoding="utf-8", newline="\n") as jl, \
            open(sample_path, "w", encoding="utf-8", newline="\n") as sj:
        for i in range(args.calls):
            call = synthesize(i, rng, corpus, examples, chunks)
            stats["turns"] += len(call["turns"])
            stats["timed_calls"] += call["turns"][0]["begin"] is not None
            line = to_jsonl(call) + "\n"
            jl.write(line)
            if i < n_sample:
                sj.write(line)
                stats["sample_calls"] += 1
                stats["sample_bytes"] += len(line.encode())
            stats["jsonl_bytes"] += len(line.encode())
            if i < n_txt:
                sub = txt_dir / f"{i // 500:03d}"
                if i % 500 == 0:
                    sub.mkdir(parents=True, exist_ok=True)
                data = to_text(call, label_rng).encode()
                (sub / f"{call['id']}.txt").write_bytes(data)
                stats["txt_bytes"] += len(data)
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
