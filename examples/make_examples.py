#!/usr/bin/env python3
"""Writes the bundled example exports under examples/sentinel/ (deterministic; see examples/README.md).

Run from the repository root: python3 examples/make_examples.py
"""
import csv
import datetime as dt
import random

rng = random.Random(1590002)
T0 = dt.datetime(2026, 11, 27, 12, 0, 0, tzinfo=dt.timezone.utc)


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


dns = []


def q(t, computer, client, name, qtype, rcode=0):
    dns.append((t, computer, client, name, qtype, rcode))


# Background: internal clients resolving through dns1 all morning; public resolvers asking the
# authoritative server dns2 for the public names.
hosts = ["www", "mail", "vpn", "portal", "intranet", "wiki", "git", "files"]
for i in range(400):
    t = T0 + dt.timedelta(seconds=rng.uniform(0, 3600))
    q(t, "dns1.corp.example", f"10.1.{rng.randint(0, 9)}.{rng.randint(2, 250)}",
      f"{rng.choice(hosts)}.corp.example", rng.choice(["A", "A", "AAAA", "1", "28", "MX"]))
for i in range(200):
    t = T0 + dt.timedelta(seconds=rng.uniform(0, 3600))
    q(t, "dns2.corp.example", f"198.51.100.{rng.randint(1, 40)}", f"{rng.choice(['www', 'mail'])}.example.com", "A")

# 1. External zone transfer attempt, refused (branch 1).
q(T0 + dt.timedelta(minutes=5, seconds=1), "dns2.corp.example", "203.0.113.66", "example.com.", "AXFR", 5)
# 2. Internal secondary transfers the zone: private address, no alert.
q(T0 + dt.timedelta(minutes=6), "dns1.corp.example", "10.0.0.53", "corp.example", "AXFR", 0)
# 3. The external secondary ns2 transfers the zone: alert, suppressed by examples/reconwatch.yml.
q(T0 + dt.timedelta(minutes=7), "dns2.corp.example", "198.51.100.53", "example.com", "252", 0)
# 4. ANY from an IPv6 documentation address (branch 1), and a numeric IXFR from 192.0.2.10.
q(T0 + dt.timedelta(minutes=8), "dns2.corp.example", "2001:db8::bad", "example.com", "255", 0)
q(T0 + dt.timedelta(minutes=9), "dns2.corp.example", "192.0.2.10", "example.com", "251", 5)
# 5. Bulk enumeration: 40 NS/MX/TXT/SOA queries over 25 names in 5 minutes (branch 2).
subs = ["", "mail.", "www.", "vpn.", "_dmarc.", "dev.", "test.", "api.", "shop.", "blog.", "ftp.", "m.", "cdn.",
        "ns1.", "ns2.", "admin.", "stage.", "beta.", "old.", "new.", "secure.", "login.", "sso.", "crm.", "hr."]
for i in range(40):
    t = T0 + dt.timedelta(minutes=20, seconds=i * 7)
    q(t, "dns2.corp.example", "203.0.113.77", f"{subs[i % len(subs)]}example.com", ["NS", "MX", "TXT", "SOA"][i % 4],
      3 if i % 3 == 0 else 0)
# 6. A burst of 36 MX/TXT queries straddling 12:40: 18 before, 18 after. Tumbling (the seed's bin()) sees
#    18 + 18 and stays silent; sliding sees 36 within 10 minutes and fires.
for i in range(36):
    t = T0 + dt.timedelta(minutes=37, seconds=i * 10)
    q(t, "dns2.corp.example", "203.0.113.88", "example.com", ["MX", "TXT"][i % 2])
# 7. The same bulk pattern from an internal client: private, no alert.
for i in range(40):
    q(T0 + dt.timedelta(minutes=45, seconds=i * 5), "dns1.corp.example", "172.20.4.4", f"{subs[i % 25]}corp.example", "TXT")

dns.sort()
with open("examples/sentinel/DnsEvents.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["TimeGenerated", "Computer", "ClientIP", "Name", "QueryType", "ResultCode", "SubType", "EventId"])
    for t, computer, client, name, qtype, rcode in dns:
        w.writerow([ts(t), computer, client, name, qtype, rcode, "LookupQuery", 256])

proc = [
    # (minute, device, account, file, folder, cmdline, parent, parent cmdline)  -- comment = expected
    (2, "WKS-017", "jdoe", "python3.exe", r"C:\Python311\python3.exe",
     r'python3.exe C:\tools\dnsrecon\dnsrecon.py -d example.com -t axfr', "cmd.exe", "cmd.exe /c run.bat"),  # alert
    (3, "WKS-017", "jdoe", "nslookup.exe", r"C:\Windows\System32\nslookup.exe",
     "nslookup -type=any example.com", "cmd.exe", "cmd.exe"),  # alert
    (4, "WKS-022", "asmith", "nslookup.exe", r"C:\Windows\System32\nslookup.exe", "nslookup host01", "cmd.exe", "cmd.exe"),  # none
    (5, "lnx-build-3", "ci", "dig", "/usr/bin/dig", "dig www.example.com", "bash", "bash -c make"),  # none
    (6, "lnx-build-3", "ci", "dig", "/usr/bin/dig", "dig +short www.example.com", "bash", "bash"),  # alert (seed flags +short)
    (7, "lnx-build-3", "ci", "dig", "/usr/bin/dig", "dig ns1.example.com", "bash", "bash"),  # none: ns1 is not the term NS
    (8, "WKS-031", "mallory", "amass.exe", r"C:\Users\mallory\Downloads\amass.exe",
     "amass.exe enum -d example.com", "powershell.exe", "powershell.exe"),  # alert
    (9, "dnsadmin-ws01", "dnsadmin", "dig", "/usr/bin/dig", "dig MX example.com", "zsh", "zsh"),  # alert, suppressed by tuning
    (10, "WKS-040", "bob", "python.exe", r"C:\Python311\python.exe", "python.exe report.py --dns-summary", "explorer.exe", "explorer.exe"),  # none
    (11, "WKS-041", "eve", "Python3.EXE", r"C:\Python311\Python3.EXE", "Python3.EXE sublist3r.py -d example.com", "cmd.exe", "cmd.exe"),  # alert
]
with open("examples/sentinel/DeviceProcessEvents.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(["Timestamp", "DeviceName", "AccountName", "FileName", "FolderPath", "ProcessCommandLine",
                "InitiatingProcessFileName", "InitiatingProcessCommandLine", "ActionType"])
    for m, dev, acct, fn, folder, cmd, pfn, pcmd in proc:
        w.writerow([ts(T0 + dt.timedelta(minutes=m)), dev, acct, fn, folder, cmd, pfn, pcmd, "ProcessCreated"])
