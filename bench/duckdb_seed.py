#!/usr/bin/env python3
"""Runs bench/seed_rule.sql on a DnsEvents CSV with DuckDB and prints one line of JSON:
{"threads": T, "seconds": query wall time, "zone": n, "bulk": m}.

usage: duckdb_seed.py CSV THREADS
"""
import json
import os
import sys
import time

import duckdb


def main():
    path, threads = sys.argv[1], int(sys.argv[2])
    sql = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed_rule.sql")).read()
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET threads = %d" % threads)
    con.execute("SET TimeZone = 'UTC'")
    # Drop comment lines, then run statement by statement.
    code = "\n".join(l for l in sql.splitlines() if not l.lstrip().startswith("--"))
    for stmt in code.replace("{csv}", path.replace("'", "''")).split(";"):
        if stmt.strip():
            con.execute(stmt)
    zone = con.execute("SELECT * FROM zone").fetchall()
    bulk = con.execute("SELECT * FROM bulk").fetchall()
    seconds = time.perf_counter() - start
    print(json.dumps({"threads": threads, "seconds": round(seconds, 3), "zone": len(zone), "bulk": len(bulk)}))


if __name__ == "__main__":
    main()
