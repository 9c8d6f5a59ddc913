#!/usr/bin/env python3
"""Differential oracle: converts Sigma rules with pySigma's SQLite backend, runs the queries over
events loaded into an SQLite table, and prints {rule title: [matching event ids]} as JSON.

Usage: run.py RULES.yml EVENTS.jsonl OUT.json

Events are flat JSON objects with an integer "id". Every key becomes a column without type
affinity, compared with COLLATE NOCASE like the backend's own ingestion does; JSON null and a
missing key are both SQL NULL. REGEXP is Python's re.search.
"""
import json
import re
import sqlite3
import sys

from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection


def main(rules_path, events_path, out_path):
    with open(events_path, encoding="utf-8") as f:
        events = [json.loads(line) for line in f if line.strip()]
    columns = []
    for e in events:
        for k in e:
            if k not in columns:
                columns.append(k)
    conn = sqlite3.connect(":memory:")
    conn.create_function(
        "REGEXP", 2, lambda p, v: v is not None and re.search(p, str(v)) is not None, deterministic=True
    )
    conn.execute("CREATE TABLE logs (" + ", ".join(f'"{c}" COLLATE NOCASE' for c in columns) + ")")
    conn.executemany(
        "INSERT INTO logs VALUES (" + ", ".join("?" for _ in columns) + ")",
        [[e.get(c) for c in columns] for e in events],
    )
    with open(rules_path, encoding="utf-8") as f:
        collection = SigmaCollection.from_yaml(f.read())
    backend = sqliteBackend()
    result = {}
    for rule in collection.rules:
        ids = set()
        for query in backend.convert_rule(rule):
            cur = conn.execute(query)
            names = [d[0] for d in cur.description]
            for row in cur.fetchall():
                ids.add(row[names.index("id")])
        result[rule.title] = sorted(ids)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
