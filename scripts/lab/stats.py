#!/usr/bin/env python3
"""Per-run DNS statistics of a lab run, from its capture. Usage: stats.py OUTDIR > stats.md

Reads OUTDIR/lab.pcapng with tshark (every query and response at the server) and OUTDIR/runs.tsv
(label and source address of each tool run), and prints one Markdown section per tool run and per
benign baseline: queries per type, distinct names (overall, per zone; NOERROR/NXDOMAIN), SRV and PTR
names, DNSSEC types, transfers and their outcomes, duration and queries per minute."""
import collections
import csv
import ipaddress
import subprocess
import sys
from datetime import datetime

SERVERS = {"192.0.2.53", "192.0.2.54", "2001:db8::53"}
ZONES = ["example.test", "secure.test", "2.0.192.in-addr.arpa", "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"]
BASELINES = {
    "198.51.100.10": "baseline: recursive resolver (Unbound) for many users",
    "198.51.100.25": "baseline: mail server (MX, SPF/DKIM/DMARC TXT, FCrDNS)",
    "198.51.100.60": "baseline: monitoring (SOA + A every 30 s)",
    "198.51.100.53": "baseline: secondary name server (BIND, AXFR at start, IXFR on NOTIFY)",
}
TYPES = {"1": "A", "2": "NS", "5": "CNAME", "6": "SOA", "12": "PTR", "15": "MX", "16": "TXT", "28": "AAAA",
         "33": "SRV", "43": "DS", "46": "RRSIG", "47": "NSEC", "48": "DNSKEY", "50": "NSEC3", "51": "NSEC3PARAM",
         "251": "IXFR", "252": "AXFR", "255": "ANY", "99": "SPF"}
RCODES = {"0": "NOERROR", "2": "SERVFAIL", "3": "NXDOMAIN", "4": "NOTIMP", "5": "REFUSED", "9": "NOTAUTH"}
FIELDS = ["frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "udp.srcport", "tcp.dstport", "udp.dstport",
          "dns.flags.response", "dns.id", "dns.qry.name", "dns.qry.type", "dns.flags.rcode", "dns.count.answers", "dns.resp.z.do"]


def messages(pcap):
    cmd = ["tshark", "-n", "-r", pcap, "-Y", "dns", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-E", "aggregator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        ids = v["dns.id"].split("|")
        per = {k: v[k].split("|") for k in FIELDS[9:]}
        for i, mid in enumerate(ids):
            m = {k: (per[k][i] if i < len(per[k]) else "") for k in per}
            m.update(t=float(v["frame.time_epoch"]), src=v["ip.src"] or v["ipv6.src"], dst=v["ip.dst"] or v["ipv6.dst"], id=mid,
                     sport=v["tcp.srcport"] or v["udp.srcport"], dport=v["tcp.dstport"] or v["udp.dstport"])
            yield m


def zone_of(name):
    n = name.lower().rstrip(".")
    best = [z for z in ZONES if n == z or n.endswith("." + z)]
    return max(best, key=len) if best else "(other)"


def ptr_net(name):
    n = name.lower().rstrip(".")
    if n.endswith(".in-addr.arpa"):
        o = n[: -len(".in-addr.arpa")].split(".")[::-1]
        return ".".join(o[:3]) + ".0/24" if len(o) >= 3 else n
    if n.endswith(".ip6.arpa"):
        nib = "".join(n[: -len(".ip6.arpa")].split(".")[::-1])[:16]
        return str(ipaddress.IPv6Network((int(nib.ljust(32, "0"), 16), 64))) if len(nib) == 16 else n
    return "?"


def collect(pcap):
    by = collections.defaultdict(lambda: {"q": [], "resp": {}})
    for m in messages(pcap):
        if m["dns.flags.response"] in ("0", "False") and m["dst"] in SERVERS:
            by[m["src"]]["q"].append(m)
        elif m["dns.flags.response"] in ("1", "True") and m["src"] in SERVERS:
            key = (m["dport"], m["id"])
            r = by[m["dst"]]["resp"].setdefault(key, {"rcode": m["dns.flags.rcode"], "answers": 0, "msgs": 0})
            r["answers"] += int(m["dns.count.answers"] or 0)
            r["msgs"] += 1
    return by


def report(label, src, d, start=None, end=None):
    qs = d["q"]
    if not qs:
        return f"## {label} ({src})\n\nno queries captured\n"
    t0, t1 = (start, end) if start is not None else (qs[0]["t"], qs[-1]["t"])
    dur = max(t1 - t0, 0.001)
    types = collections.Counter(TYPES.get(q["dns.qry.type"], q["dns.qry.type"]) for q in qs)
    rc = {}
    for q in qs:
        r = d["resp"].get(q.get("key", (q["sport"], q["id"])))
        rc[(q["dns.qry.name"].lower(), q["dns.qry.type"])] = RCODES.get(r["rcode"], r["rcode"]) if r else "no answer"
    names = {q["dns.qry.name"].lower().rstrip(".") for q in qs}
    per_zone = collections.defaultdict(lambda: collections.Counter())
    name_rc = collections.defaultdict(set)
    for (n, _), code in rc.items():
        name_rc[n.rstrip(".")].add(code)
    for n in names:
        codes = name_rc[n]
        kind = "NXDOMAIN" if codes == {"NXDOMAIN"} else "NOERROR" if "NOERROR" in codes else "/".join(sorted(codes))
        per_zone[zone_of(n)][kind] += 1
    srv = {q["dns.qry.name"].lower() for q in qs if q["dns.qry.type"] == "33"}
    ptr = collections.Counter()
    for n in {q["dns.qry.name"].lower() for q in qs if q["dns.qry.type"] == "12"}:
        ptr[ptr_net(n)] += 1
    do = sum(1 for q in qs if q["dns.resp.z.do"] in ("1", "True"))
    nx = sorted(n for n, c in name_rc.items() if c == {"NXDOMAIN"})[:6]
    dnssec = {t: types[t] for t in ("NSEC", "NSEC3", "DNSKEY", "DS", "RRSIG", "NSEC3PARAM") if types[t]}
    qcodes = collections.Counter(rc.values())
    out = [f"## {label} ({src})", ""]
    out.append(f"- duration {dur:.1f} s, {len(qs)} queries, {len(qs) / dur * 60:.0f} queries/min")
    out.append("- per type: " + ", ".join(f"{t} {c}" for t, c in types.most_common()))
    out.append(f"- distinct names {len(names)}; answers per distinct (name, type): "
               + ", ".join(f"{k} {v}" for k, v in qcodes.most_common()))
    for z, c in sorted(per_zone.items()):
        out.append(f"  - zone {z}: {sum(c.values())} names (" + ", ".join(f"{k} {v}" for k, v in c.most_common()) + ")")
    out.append(f"- queries with the DNSSEC OK (DO) bit: {do}; sample NXDOMAIN names: {', '.join(nx) or '-'}")
    out.append(f"- distinct SRV names {len(srv)}")
    out.append("- distinct PTR names: " + (", ".join(f"{net} {c}" for net, c in ptr.most_common()) or "0"))
    out.append("- DNSSEC queries: " + (", ".join(f"{k} {v}" for k, v in dnssec.items()) or "none"))
    xfers = []
    for q in qs:
        if q["dns.qry.type"] in ("251", "252"):
            r = d["resp"].get(q.get("key", (q["sport"], q["id"])))
            outcome = f"{RCODES.get(r['rcode'], r['rcode'])}, {r['answers']} records in {r['msgs']} msgs" if r else "no answer"
            xfers.append(f"{TYPES[q['dns.qry.type']]} {q['dns.qry.name']}: {outcome}")
    out.append("- transfers: " + ("; ".join(xfers) or "none"))
    return "\n".join(out) + "\n"


def main():
    outdir = sys.argv[1]
    by = collect(f"{outdir}/lab.pcapng")
    print(f"# Lab DNS statistics (from {outdir}/lab.pcapng)\n")
    groups = {}
    with open(f"{outdir}/runs.tsv") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            ts = [datetime.fromisoformat(row[k].replace("Z", "+00:00")).timestamp() for k in ("start", "end")]
            g = groups.setdefault(row["label"], {"src": [], "t": [ts[0], ts[1]], "st": set()})
            g["src"].append(row["source"])
            g["t"] = [min(g["t"][0], ts[0]), max(g["t"][1], ts[1])]
            g["st"].add(row["status"])
    for label, g in groups.items():
        d = {"q": sorted((q for s in g["src"] for q in by.get(s, {"q": []})["q"]), key=lambda q: q["t"]), "resp": {}}
        for s in g["src"]:
            d["resp"].update({(s,) + k: v for k, v in by.get(s, {"resp": {}})["resp"].items()})
        for q in d["q"]:
            q["key"] = (q["src"], q["sport"], q["id"])
        src = g["src"][0] if len(g["src"]) == 1 else f"{len(g['src'])} addresses {g['src'][0]} .. {g['src'][-1]}"
        text = report(f"{label} (exit {'/'.join(sorted(g['st']))})", src, d, *g["t"])
        if len(g["src"]) > 1:
            per = [len({q["dns.qry.name"].lower() for q in by.get(s, {"q": []})["q"]}) for s in g["src"]]
            text += f"- per address: at most {max(per)} distinct names (min {min(per)})\n"
        print(text)
    for src, label in BASELINES.items():
        print(report(label, src, by.get(src, {"q": []})))


if __name__ == "__main__":
    main()
