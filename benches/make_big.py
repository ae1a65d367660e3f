#!/usr/bin/env python3
"""Blow a benchmark batch up to a given size, for the memory benchmark.

Writes BIG.jsonl (zhijian's JSON calls, one per line, ids made unique) and BIG-tickets.json
(the same calls as one Alibaba 智能对话分析 document: {"tickets": [...]}) of at least --mb
megabytes each, by repeating the calls of --calls. Streams: memory stays small whatever the size.
"""
import argparse
import json

ROLE = {"agent": "客服", "customer": "客户"}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--calls", required=True, help="calls.jsonl from make_batch.py")
    p.add_argument("--out", required=True, help="prefix: writes PREFIX.jsonl and PREFIX-tickets.json")
    p.add_argument("--mb", type=int, default=1024)
    a = p.parse_args()
    calls = [json.loads(line) for line in open(a.calls, encoding="utf-8") if line.strip()]
    target = a.mb * 1_000_000
    n = 0
    with open(a.out + ".jsonl", "w", encoding="utf-8") as jsonl, \
            open(a.out + "-tickets.json", "w", encoding="utf-8") as tickets:
        tickets.write('{"tickets": [\n')
        written = 0
        while written < target:
            for call in calls:
                n += 1
                call = dict(call, id=f"{call.get('id', 'call')}-{n}")
                line = json.dumps(call, ensure_ascii=False)
                jsonl.write(line + "\n")
                ticket = {
                    "tid": call["id"],
                    "dialogue": [
                        {k: v for k, v in {
                            "role": ROLE.get(t["role"], t["role"]),
                            "words": t["text"],
                            "begin": t.get("begin"),
                            "end": t.get("end"),
                        }.items() if v is not None}
                        for t in call["turns"]
                    ],
                }
                tickets.write(("" if n == 1 else ",\n") + json.dumps(ticket, ensure_ascii=False))
                written += len(line.encode("utf-8")) + 1
                if written >= target:
                    break
        tickets.write("\n]}\n")
    print(json.dumps({"calls": n}))


if __name__ == "__main__":
    main()
