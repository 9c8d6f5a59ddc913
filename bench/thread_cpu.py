#!/usr/bin/env python3
"""Runs a command and reports its wall time, total CPU, the CPU of its main thread and of each
other thread (sampled from /proc/PID/task/*/stat every 10 ms, so a thread's last few ms may be
missed) and its peak RSS. Used for the multi-core figures in docs/PERFORMANCE.md:

    bench/thread_cpu.py target/release/reconwatch hunt -q -o /dev/null --threads 2 FILE
"""
import os
import resource
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def sample(pid, seen):
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return
    for tid in tids:
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
        seen[tid] = max(cpu, seen.get(tid, 0.0))


def main():
    start = time.time()
    proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
    seen = {}
    while proc.poll() is None:
        sample(proc.pid, seen)
        time.sleep(0.01)
    wall = time.time() - start
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    main_cpu = seen.pop(str(proc.pid), 0.0)
    others = " ".join("%.2f" % c for c in sorted(seen.values()))
    print(f"wall {wall:.2f} cpu {ru.ru_utime + ru.ru_stime:.2f} main {main_cpu:.2f} "
          f"threads [{others}] rss {ru.ru_maxrss / 1024:.0f}MiB exit {proc.returncode}")


if __name__ == "__main__":
    main()
