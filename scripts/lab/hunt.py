#!/usr/bin/env python3
"""Hunts each artifact of a lab run with `reconwatch hunt` and attributes every alert to a run.

Usage: hunt.py OUTDIR RECONWATCH CONFIG > OUTDIR/matrix.json

Each of the five artifacts is hunted on its own (so a source that cannot carry some information shows
up as a gap). An alert belongs to the tool run or baseline whose source address is its ClientIP; an
endpoint alert (auditd) to the run whose login uid is its AccountName; a correlation over many
addresses (ClientIPs) to the run all of them belong to. Anything else lands under "(unattributed)".
Output: {"matrix": {label: {source: {title: count}}}, "summaries": {source: text}}."""
import csv
import json
import subprocess
import sys

SOURCES = {"query log": "queries.log", "transfer log": "xfer.log", "dnstap": "dnstap.fstrm",
           "pcap": "lab.pcapng", "audit log": "audit.log"}
BASELINES = {"198.51.100.10": "baseline-resolver", "198.51.100.25": "baseline-mail",
             "198.51.100.60": "baseline-monitoring", "198.51.100.53": "baseline-secondary"}


def main():
    outdir, exe, config = sys.argv[1:4]
    by_ip, by_auid = dict(BASELINES), {}
    with open(f"{outdir}/runs.tsv") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            by_ip[row["source"]] = row["label"]
            by_auid[row["auid"]] = row["label"]
    matrix = {label: {} for label in list(dict.fromkeys(by_auid.values())) + list(BASELINES.values())}
    matrix["(unattributed)"] = {}
    summaries = {}
    for source, file in SOURCES.items():
        p = subprocess.run([exe, "hunt", "--config", config, "-f", "jsonl", f"{outdir}/{file}"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"reconwatch hunt {file}: exit {p.returncode}: {p.stderr}")
        summaries[source] = p.stderr
        for line in p.stdout.splitlines():
            a = json.loads(line)
            label = by_ip.get(a.get("ClientIP") or "") or by_auid.get(a.get("AccountName") or "")
            many = {by_ip.get(ip) for ip in a.get("ClientIPs") or []}
            if not label and len(many) == 1:
                label = many.pop()
            label = label or "(unattributed)"
            cell = matrix[label].setdefault(source, {})
            cell[a["RuleTitle"]] = cell.get(a["RuleTitle"], 0) + 1
    json.dump({"matrix": matrix, "summaries": summaries}, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
