#!/usr/bin/env python3
"""The end-to-end tier's client loop, and its verdict.

  load_client.py run URL LOG STOP [THREADS] [PATH]
      THREADS threads (4) request PATH (/hello) until the file STOP exists,
      each on a new connection, so kube-proxy spreads them over every pod.
      `{n}` in PATH becomes a number unique to the request. One line per
      request in LOG: start time, duration in seconds, status (or ERR), body.
  load_client.py summary LOG
      prints "TOTAL FAILED LONGEST_MS" and then the first failed lines.
"""
import http.client
import itertools
import os
import sys
import threading
import time
import urllib.parse


def run(url, log, stop, threads=4, path="/hello"):
    u = urllib.parse.urlparse(url)
    lock = threading.Lock()
    counter = itertools.count(1)
    out = open(log, "w", buffering=1)

    def loop():
        while not os.path.exists(stop):
            target = path.replace("{n}", str(next(counter)))
            t = time.time()
            try:
                c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=10)
                c.request("GET", target)
                r = c.getresponse()
                body = r.read().decode()
                c.close()
                status = str(r.status)
            except Exception as e:  # a refused or reset connection is a failed request
                status, body = "ERR", repr(e)
            took = time.time() - t
            with lock:
                out.write(f"{t:.3f} {took:.4f} {status} {body}\n")
            time.sleep(0.01)

    workers = [threading.Thread(target=loop) for _ in range(int(threads))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.close()


def summary(log):
    total = failed = 0
    longest = 0.0
    bad = []
    for line in open(log):
        _, took, status, body = line.rstrip("\n").split(" ", 3)
        total += 1
        longest = max(longest, float(took))
        if status != "200":
            failed += 1
            if len(bad) < 5:
                bad.append(line.strip())
    print(f"{total} {failed} {longest * 1000:.0f}")
    for line in bad:
        print(line)


if __name__ == "__main__":
    {"run": run, "summary": summary}[sys.argv[1]](*sys.argv[2:])
