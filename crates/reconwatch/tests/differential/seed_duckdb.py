#!/usr/bin/env python3
"""Differential oracle for the seed rule: generates DnsEvents / DeviceProcessEvents exports and
evaluates an SQL transcription of the seed rule on them with DuckDB.

usage: seed_duckdb.py OUTDIR SEED [SIZE]
writes OUTDIR/DnsEvents.csv, OUTDIR/DeviceProcessEvents.csv and OUTDIR/expected.json (one object per
alert, keyed as reconwatch's JSON output names them).

The SQL follows the seed line by line, with reconwatch's documented interpretations written
independently of reconwatch's code: privacy decided by CIDR (Python's ipaddress module, IPv4-mapped
IPv6 as its IPv4 address), query types compared as numbers, names compared case-insensitively
without the trailing dot, KQL `has` as whole-term matching (a term is a maximal run of ASCII letters
and digits; a pattern is bounded only at its alphanumeric ends), and bin(TimeGenerated, 10m) as
floor(epoch / 600 s).
"""
import csv
import datetime as dt
import ipaddress
import json
import os
import random
import sys

import duckdb
import duckdb.sqltypes as T

PRIVATE = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
    "::1/128", "fc00::/7", "fe80::/10")]
TYPES = {"A": 1, "NS": 2, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33,
         "IXFR": 251, "AXFR": 252, "ANY": 255}
NAMES = {v: k for k, v in TYPES.items()}
# Weighted so that bursts land on both sides of the thresholds after the type filter.
QTYPE_MIX = ["NS"] * 4 + ["MX"] * 4 + ["TXT"] * 4 + ["SOA"] * 3 + ["ANY", "AXFR", "IXFR", "A", "AAAA", "PTR"]


def is_private(s):
    if s is None or s == "":
        return False
    try:
        ip = ipaddress.ip_address(s)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == n.version and ip in n for n in PRIVATE)


def qtype_num(s):
    s = (s or "").strip()
    if s.isdigit():
        return int(s)
    return TYPES.get(s.upper(), -1)


def kql_has(text, pattern):
    """KQL `has`: case-insensitive, pattern bounded by non-alphanumerics at its alphanumeric ends."""
    t, p = text.lower(), pattern.lower()
    alnum = lambda c: c.isascii() and c.isalnum()
    start = 0
    while True:
        i = t.find(p, start)
        if i < 0:
            return False
        left_ok = not alnum(p[0]) or i == 0 or not alnum(t[i - 1])
        j = i + len(p)
        right_ok = not alnum(p[-1]) or j == len(t) or not alnum(t[j])
        if left_ok and right_ok:
            return True
        start = i + 1


def has_any(text, patterns):
    return any(kql_has(text or "", p) for p in patterns.split("|"))


def generate(out, seed, size):
    rng = random.Random(seed)
    t0 = dt.datetime(2026, 11, 27, 0, 0, 0, tzinfo=dt.timezone.utc)
    rows = []
    servers = ["dns1", "DNS2"]
    externals = ["203.0.113.%d" % i for i in range(1, 30)] + ["198.51.100.%d" % i for i in range(1, 10)] + \
        ["2001:db8::%x" % i for i in range(1, 10)] + ["::ffff:203.0.113.200", ""]
    privates = ["10.1.2.3", "172.16.0.9", "172.31.255.1", "192.168.1.1", "127.0.0.1", "169.254.3.3",
                "::1", "fd00::5", "fe80::1", "::ffff:10.9.9.9"]
    near = ["172.15.0.1", "172.32.0.1", "11.0.0.1", "192.169.0.1"]  # look private, are not

    def form(qt):
        r = rng.random()
        if r < 0.3:
            return str(TYPES[qt])
        if r < 0.4:
            return qt.lower()
        return qt

    def name(pool, k):
        n = "h%d.example.com" % rng.randrange(pool)
        if rng.random() < 0.2:
            n = n.upper()
        if rng.random() < 0.2:
            n += "."
        return n

    # Bursts per (client, server): sizes and name pools around the thresholds.
    for b in range(size):
        client = rng.choice(externals + externals + privates + near)
        server = rng.choice(servers)
        n = rng.choice([5, 20, 34, 38, 42, 44, 46, 60])
        pool = rng.choice([10, 20, 21, 22, 40, 200])
        start = t0 + dt.timedelta(seconds=rng.randrange(0, 6 * 3600))
        spread = rng.choice([60, 300, 590, 900, 1500])
        for i in range(n):
            t = start + dt.timedelta(milliseconds=rng.randrange(0, spread * 1000))
            qt = rng.choice(QTYPE_MIX)
            rows.append((t, server, client, name(pool, i), form(qt), rng.choice(["0", "3", "5", ""])))
    rows.sort(key=lambda r: r[0])
    with open(os.path.join(out, "DnsEvents.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["TimeGenerated", "Computer", "ClientIP", "Name", "QueryType", "ResultCode"])
        for t, server, client, n, qt, rc in rows:
            w.writerow([t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000), server, client, n, qt, rc])

    files = ["dnsrecon", "dnsrecon.py", "DNSRECON.EXE", "amass", "amass.exe", "massdns", "dnsreconx", "fierce.py",
             "python3", "python.exe", "PYTHON3.EXE", "python3.11", "pythonw.exe", "nslookup", "NSLOOKUP.EXE",
             "nslookup2", "dig", "DIG", "dig.exe", "cmd.exe", "gobuster", "knockpy"]
    args = ["dnsrecon.py -d example.com", "/opt/dnsenum/dnsenum.pl example.com", "fierce --domain x",
            "mydnsrecon.py", "sublist3r -d x", "dnstwist x", "report.py", "-type=axfr example.com",
            "-type=any x", "-type=ns x", "-type=nsec x", "-querytype=axfr x", "-q=axfr", "ls -d example.com",
            "ls -dx", "axfr @ns1 example.com", "AXFR x", "+short x", "+shortest x", "ANY x", "any.example.com",
            "TXT _dmarc.example.com", "MX x", "NS x", "ns1.example.com", "x_dmarc", "DKIM x", "dkimselector x",
            "www.example.com", ""]
    procs = []
    for i in range(size * 4):
        t = t0 + dt.timedelta(seconds=rng.randrange(0, 6 * 3600), milliseconds=rng.randrange(1000))
        f = rng.choice(files)
        cmd = f + " " + rng.choice(args) + (" " + rng.choice(args) if rng.random() < 0.3 else "")
        procs.append((t, "HOST%d" % rng.randrange(5), "user%d" % rng.randrange(3), f, cmd.strip()))
    procs.sort(key=lambda r: r[0])
    with open(os.path.join(out, "DeviceProcessEvents.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Timestamp", "DeviceName", "AccountName", "FileName", "ProcessCommandLine",
                    "InitiatingProcessFileName", "InitiatingProcessCommandLine"])
        for t, dev, acct, fn, cmd in procs:
            w.writerow([t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000), dev, acct, fn, cmd, "bash", "bash"])


SQL = """
CREATE TABLE dns AS
  SELECT CAST(TimeGenerated AS TIMESTAMP) AS TimeGenerated, Computer, ClientIP, Name, QueryType, ResultCode,
         qtype_num(QueryType) AS qt, lower(regexp_replace(Name, '\\.$', '')) AS norm_name
  FROM read_csv('{dir}/DnsEvents.csv', header = true, all_varchar = true);
CREATE TABLE proc AS
  SELECT CAST(Timestamp AS TIMESTAMP) AS Timestamp, * EXCLUDE (Timestamp)
  FROM read_csv('{dir}/DeviceProcessEvents.csv', header = true, all_varchar = true);

-- Branch 1: QueryType in ("AXFR", "IXFR") or QueryType == "255", and not(ClientIP has_any (PrivateRanges))
CREATE TABLE zone AS
  SELECT TimeGenerated, Computer, ClientIP, Name, qt, 'External DNS Zone Transfer Attempt' AS AlertType, 90 AS RiskScore
  FROM dns WHERE qt IN (252, 251, 255) AND NOT is_private(ClientIP);

-- Branch 2: summarize count(), dcount(Name) by ClientIP, Computer, bin(TimeGenerated, 10m)
CREATE TABLE bulk AS
  SELECT min(TimeGenerated) AS TimeGenerated, Computer, ClientIP, count(*) AS QueryCount,
         count(DISTINCT norm_name) AS UniqueNames, 'Bulk External DNS Enumeration' AS AlertType, 70 AS RiskScore
  FROM dns WHERE qt IN (2, 15, 16, 6, 255, 252) AND NOT is_private(ClientIP)
  GROUP BY ClientIP, lower(Computer), Computer, epoch_ms(TimeGenerated) // 600000
  HAVING count(*) > 30 OR count(DISTINCT norm_name) > 20;

-- Branch 3
CREATE TABLE tools AS
  SELECT Timestamp AS TimeGenerated, DeviceName, AccountName, FileName, ProcessCommandLine,
         'DNS Enumeration Tool Execution on Endpoint' AS AlertType, 60 AS RiskScore
  FROM proc
  WHERE has_any(FileName, 'dnsrecon|dnsrecon.py|dnsx|subfinder|amass|fierce|fierce.py|dnsmap|dnsenum|dnsenum.pl|sublist3r|gobuster|dnstwist|dnswalk|masscan|shuffledns|puredns|altdns|knockpy')
     OR (lower(FileName) IN ('python.exe', 'python3', 'python3.exe', 'python')
         AND has_any(ProcessCommandLine, 'dnsrecon|dnsenum|fierce|sublist3r|dnstwist'))
     OR (lower(FileName) IN ('nslookup.exe', 'nslookup')
         AND has_any(ProcessCommandLine, 'ls -d|ls -t|-type=axfr|-querytype=axfr|-q=axfr|-type=any|-type=ns|-type=mx|-type=txt'))
     OR (lower(FileName) = 'dig'
         AND has_any(ProcessCommandLine, 'axfr|AXFR|+short|ANY|TXT|MX|NS|DKIM|_dmarc'));
"""


def rfc3339(t):
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    ms = t.microsecond // 1000
    return s + (".%03d" % ms if ms else "") + "Z"


def canon_ip(s):
    """RFC 5952 text, with IPv4-mapped addresses in their dotted form (as reconwatch prints them)."""
    if not s:
        return None
    ip = ipaddress.ip_address(s)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return "::ffff:%s" % ip.ipv4_mapped
    return str(ip)


def main():
    out, seed = sys.argv[1], int(sys.argv[2])
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    generate(out, seed, size)
    con = duckdb.connect()
    con.create_function("is_private", is_private, [T.VARCHAR], T.BOOLEAN, null_handling="special")
    con.create_function("qtype_num", qtype_num, [T.VARCHAR], T.INTEGER, null_handling="special")
    con.create_function("has_any", has_any, [T.VARCHAR, T.VARCHAR], T.BOOLEAN, null_handling="special")
    con.execute("SET TimeZone = 'UTC'")
    for stmt in SQL.format(dir=out).split(";"):
        if stmt.strip():
            con.execute(stmt)
    alerts = []
    for t, comp, ip, name, qt, at, risk in con.execute("SELECT * FROM zone").fetchall():
        alerts.append({"TimeGenerated": rfc3339(t), "AlertType": at, "RiskScore": risk, "Computer": comp,
                       "ClientIP": canon_ip(ip), "Name": name.rstrip(".") if name != "." else name,
                       "QueryType": NAMES.get(qt, "TYPE%d" % qt)})
    for t, comp, ip, n, u, at, risk in con.execute("SELECT * FROM bulk").fetchall():
        alerts.append({"TimeGenerated": rfc3339(t), "AlertType": at, "RiskScore": risk, "Computer": comp,
                       "ClientIP": canon_ip(ip), "QueryCount": n, "UniqueNames": u})
    for t, dev, acct, fn, cmd, at, risk in con.execute("SELECT * FROM tools").fetchall():
        alerts.append({"TimeGenerated": rfc3339(t), "AlertType": at, "RiskScore": risk, "DeviceName": dev,
                       "AccountName": acct, "FileName": fn, "ProcessCommandLine": cmd})
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(alerts, f, indent=1)


if __name__ == "__main__":
    main()
