"""zhijian as a stage of a Spark job (PySpark, local mode): the corpus graded through
`RDD.pipe` must give, row by row, what one `zhijian grade` of the same JSONL gives.

Run by tests/it/spark.rs (`cargo test --release --test it -- --ignored spark::`); by hand:

    python3 tests/spark/grade_rdd.py --zhijian target/release/zhijian --repo . --work /tmp/s

It writes into --work: calls.jsonl (the corpus as one JSONL, built here), single.jsonl (one
machine's result), merged.jsonl (Spark's result, partitions in order) and exits non-zero with the
first difference. Needs pyspark and Java 17 or newer.

What legitimately differs, and is mapped before the comparison: a partition's zhijian reads its
own stdin, so `source` is `<stdin>#N` with N the line within the partition (not
`calls.jsonl#M`), and a call without an id of its own is called `stdin#N` (not `calls#M`).
Everything else (scores, hits, evidence, error messages, dates) must be equal.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

# A fixed grading day: calls without a date in their metadata are dated by it (see
# SOURCE_DATE_EPOCH in docs/reports.md), so a run near midnight compares equal too.
EPOCH = "1796400000"

# Lines no grader can read, and lines it reads that a file would not hold: each bad one must
# come back as one error row, a blank one as no row (its line number still counts).
HAND_MADE = [
    "this is not json",
    "",
    json.dumps({"id": "spark-bad-turns", "turns": "oops"}),
    '{"id": "spark-cut-off", "turns": [{"role": "agent", "te',
    json.dumps(
        {"turns": [{"role": "agent", "text": "您好,请问有什么可以帮您?"},
                   {"role": "customer", "text": "我想查一下话费。"},
                   {"role": "agent", "text": "好的,已经帮您查到了,感谢来电,再见。"}]},
        ensure_ascii=False,
    ),
]


def corpus_lines(zhijian: Path, repo: Path) -> list[str]:
    """Every corpus call as one JSONL line: the JSONL files' lines as they are, each JSON
    document on one line (an array of tickets stays one line of several calls), and the text
    and subtitle transcripts as zhijian JSON, rebuilt from zhijian's own reading of them."""
    corpus = repo / "corpus"
    lines = []
    for path in sorted(corpus.rglob("*.jsonl")):
        lines += [l for l in path.read_text(encoding="utf-8").splitlines()]
    for path in sorted(corpus.rglob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        lines.append(json.dumps(doc, ensure_ascii=False))
    texts = sorted(
        str(p) for p in corpus.rglob("*") if p.suffix in (".txt", ".srt", ".vtt")
    )
    read = subprocess.run(
        [str(zhijian), "grade", "--format", "jsonl", "--quiet", "--no-mask", *texts],
        capture_output=True, check=False,
    )
    if read.returncode not in (0, 1):
        sys.exit(f"zhijian could not read the corpus: {read.stderr.decode()}")
    for row in map(json.loads, read.stdout.decode("utf-8").splitlines()):
        if row["error"] is not None:
            continue
        turns = []
        for t in row["turns"]:
            turn = {"role": t["role"], "text": t["text"]}
            if t.get("begin_ms") is not None:
                turn["begin"] = t["begin_ms"]
            if t.get("end_ms") is not None:
                turn["end"] = t["end_ms"]
            if t.get("confidence"):
                turn["confidence"] = t["confidence"]
            turns.append(turn)
        call = {"id": row["call_id"], "meta": row["meta"] or {}, "turns": turns}
        lines.append(json.dumps(call, ensure_ascii=False))
    # The hand-made lines in the middle, so that they land inside a partition, not at its edge.
    middle = len(lines) // 2
    return lines[:middle] + HAND_MADE + lines[middle:]


def grade_alone(zhijian: Path, calls: Path) -> list[dict]:
    run = subprocess.run(
        [str(zhijian), "grade", str(calls), "--format", "jsonl", "--quiet"],
        capture_output=True, check=False, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )
    if run.returncode not in (0, 1) or run.stderr:
        sys.exit(f"one machine: exit {run.returncode}, stderr {run.stderr.decode()!r}")
    return [json.loads(l) for l in run.stdout.decode("utf-8").splitlines()]


PLACE = re.compile(r"^(?P<name>.*)#(?P<line>\d+)(?P<rest>(\.\d+)?)$")


def as_one_machine(row: dict, offset: int, calls: Path) -> dict:
    """A partition's row as one machine reading the whole file names it: its line number
    moved by the lines of the partitions before, its file named, a fallback id renamed."""
    row = dict(row)

    def moved(text, name):
        m = PLACE.match(text)
        if not m:
            raise AssertionError(f"no line number in {text!r}")
        return f"{name}#{int(m['line']) + offset}{m['rest']}"

    if not row["source"].startswith("<stdin>#"):
        raise AssertionError(f"a row from stdin has source {row['source']!r}")
    row["source"] = moved(row["source"], str(calls))
    if PLACE.match(row["call_id"]) and row["call_id"].startswith("stdin#"):
        row["call_id"] = moved(row["call_id"], calls.stem)
    return row


def first_difference(got: list[dict], want: list[dict]) -> str | None:
    if len(got) != len(want):
        return f"{len(got)} rows from Spark, {len(want)} from one machine"
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            fields = sorted(k for k in set(g) | set(w) if g.get(k) != w.get(k))
            return (f"row {i} ({w['source']}) differs in {fields}: "
                    + "; ".join(f"{k}: spark {g.get(k)!r} vs one machine {w.get(k)!r}"
                                for k in fields[:3]))
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--zhijian", type=Path, required=True)
    ap.add_argument("--repo", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--partitions", type=int, default=4)
    args = ap.parse_args()
    zhijian = args.zhijian.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    calls = (args.work / "calls.jsonl").resolve()
    lines = corpus_lines(zhijian, args.repo.resolve())
    calls.write_text("".join(l + "\n" for l in lines), encoding="utf-8")
    single = grade_alone(zhijian, calls)
    errors = sum(r["error"] is not None for r in single)
    if len(single) < 100 or errors < 3:
        sys.exit(f"too little to compare: {len(single)} rows, {errors} errors")
    # What the mapping below must get right is there to be got right.
    if not any(re.search(r"#\d+\.\d+$", r["source"]) for r in single):
        sys.exit("no line holds several calls (the tickets export)")
    if not any(r["call_id"].startswith(calls.stem + "#") for r in single):
        sys.exit("every call has an id of its own: the fallback ids go untested")

    started = time.monotonic()
    # Spark listens on this machine's loopback only.
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark import SparkConf, SparkContext, SparkFiles

    conf = (SparkConf().setMaster("local[2]").setAppName("zhijian-stage")
            .set("spark.ui.enabled", "false")
            .set("spark.ui.showConsoleProgress", "false")
            .set("spark.driver.host", "127.0.0.1")
            .set("spark.driver.bindAddress", "127.0.0.1"))
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    try:
        # Shipped as a cluster job ships it (spark-submit --files): executors run their copy.
        sc.addFile(str(zhijian))
        exe = SparkFiles.get(zhijian.name)
        # RDD.pipe starts the command with exactly this environment (none when not given).
        env = {"SOURCE_DATE_EPOCH": EPOCH}
        stage = f"{exe} grade - --format jsonl --quiet"
        spark_up = time.monotonic() - started

        # 1. Contiguous partitions, as textFile splits a file: rows in input order, each
        # partition's line numbers starting again at 1.
        rdd = sc.textFile(str(calls), minPartitions=args.partitions)
        sizes = rdd.glom().map(len).collect()
        if len(sizes) < 3 or sum(sizes) != len(lines):
            sys.exit(f"partitions {sizes} for {len(lines)} lines")
        parts = rdd.pipe(stage, env=env).glom().collect()
        merged, offset = [], 0
        for size, part in zip(sizes, parts):
            merged += [as_one_machine(json.loads(l), offset, calls) for l in part]
            offset += size
        with open(args.work / "merged.jsonl", "w", encoding="utf-8") as out:
            for row in merged:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        diff = first_difference(merged, single)
        if diff:
            sys.exit(f"textFile → pipe: {diff}")

        # 2. Shuffled partitions, the exit status checked: exit 1 (some lines were error
        # rows, written) passes, 2 (zhijian could not run) fails the task. Rows compared by
        # call id, as a user merging a job's output does.
        checked = f"sh -c '{stage}; test $? -le 1'"
        shuffled = rdd.repartition(3).pipe(checked, env=env, checkCode=True).collect()

        def key(row):
            row = {k: v for k, v in row.items() if k != "source"}
            if re.match(r"^(stdin|calls)#", row["call_id"]):
                row["call_id"] = "(no id)"
            return json.dumps(row, sort_keys=True, ensure_ascii=False)

        got = sorted(key(json.loads(l)) for l in shuffled)
        want = sorted(key(r) for r in single)
        if got != want:
            sys.exit(f"repartition → pipe: {len(got)} rows, {len(want)} expected, "
                     f"first unequal: {next((g, w) for g, w in zip(got, want) if g != w)}")

        # 3. An empty partition is no failure and no row.
        empty = sc.parallelize([], 2).pipe(stage, env=env, checkCode=True).collect()
        if empty:
            sys.exit(f"empty partitions gave {empty!r}")
    finally:
        sc.stop()
    print(f"{len(lines)} lines, {len(single)} rows ({errors} error rows) in partitions "
          f"{sizes}: Spark equals one machine; Spark up in {spark_up:.1f} s, "
          f"all Spark work {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
