"""A small concurrent HTTP load generator (keep-alive connections, one per client thread)."""
from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else 0.0


def run_load(base_url: str, path: str, query: str, total: int, concurrency: int,
             accept: str = "application/sparql-results+json") -> LoadResult:
    """``total`` POST form queries spread over ``concurrency`` clients."""
    u = urllib.parse.urlsplit(base_url)
    body = urllib.parse.urlencode({"query": query}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
    res, lock = LoadResult(), threading.Lock()
    counter = iter(range(total))

    def client() -> None:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                status = r.status
            except Exception as exc:  # noqa: BLE001 - counted as an error
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
                with lock:
                    res.errors.append(repr(exc))
                continue
            dt = time.perf_counter() - t0
            with lock:
                res.latencies.append(dt)
                res.statuses[status] = res.statuses.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    res.seconds = time.perf_counter() - start
    return res
