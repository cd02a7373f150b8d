"""A load generator that behaves like a province of kiosk tablets: aiohttp + asyncio.

Each simulated kiosk has its own device token and sends its responses in order, one at a time, like the
tablet's offline queue: a response is sent again — same id, same bytes — after a connection error, a timeout,
a 5xx or a 429, with capped exponential backoff, until the server acknowledges it (201 stored or 200
duplicate). Another 4xx is a refusal: the kiosk keeps the response aside and goes on with the next. At most
``concurrency`` requests are in flight at once over as many connections.

    .venv/bin/python -m benchmarks.loadgen --url http://127.0.0.1:8000 --tokens-file kiosks.json \\
        --concurrency 64 --count 10000

``kiosks.json`` comes from ``python -m benchmarks.harness`` (see there). From Python::

    from benchmarks import harness, loadgen
    kiosks = harness.prepare_database(url, devices=200)
    with harness.Server(url) as server:
        result = loadgen.run(server.base_url, kiosks, concurrency=64, count=10_000)
    print(result.summary())

Pass ``result=LoadResult()`` and run :func:`run` in a thread to watch ``len(result.acknowledged)`` grow while it
runs (the crash tests kill the server at chosen points that way).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from benchmarks.harness import Kiosk, load_kiosks, valid_body

#: Statuses after which the kiosk sends the same response again.
RETRIED = frozenset({408, 425, 429, 500, 502, 503, 504})
#: Spacing of the kiosks' own submission times, so that a run does not look like a burst from one tablet.
SPACING = dt.timedelta(seconds=150)


@dataclass
class LoadResult:
    """What a load run saw. Filled while the run goes on; read it from another thread for progress."""

    #: Ids the server acknowledged (201 stored or 200 duplicate).
    acknowledged: set[str] = field(default_factory=set)
    #: Every body sent at least once, by id, with its kiosk (for :func:`benchmarks.harness.compare`).
    sent: dict[str, tuple[Kiosk, dict[str, Any]]] = field(default_factory=dict)
    #: Ids refused for good (a 4xx other than 408/425/429), with the status.
    refused: dict[str, int] = field(default_factory=dict)
    #: Seconds per successful request (200 or 201), in completion order.
    latencies: list[float] = field(default_factory=list)
    #: Requests by outcome: the status code (``"201"``) or the exception's class name (``"ConnectError"``).
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    #: Ids acknowledged as a duplicate (200: stored by an earlier attempt whose acknowledgement was lost).
    duplicated: set[str] = field(default_factory=set)
    elapsed: float = 0.0

    @property
    def created(self) -> int:
        """Responses acknowledged as stored (201)."""
        return len(self.acknowledged) - len(self.duplicated)

    @property
    def duplicates(self) -> int:
        """Responses acknowledged as already stored (200)."""
        return len(self.duplicated)

    @property
    def requests(self) -> int:
        return sum(self.outcomes.values())

    @property
    def server_errors(self) -> int:
        """Responses with a 5xx status."""
        return sum(n for key, n in self.outcomes.items() if key.isdigit() and int(key) >= 500)

    @property
    def transport_errors(self) -> int:
        """Requests that got no HTTP response (refused or dropped connection, timeout)."""
        return sum(n for key, n in self.outcomes.items() if not key.isdigit())

    @property
    def pending(self) -> set[str]:
        """Ids sent but neither acknowledged nor refused (the run gave up on them)."""
        return set(self.sent) - self.acknowledged - set(self.refused)

    @property
    def throughput(self) -> float:
        """Acknowledged responses per second of the run."""
        return len(self.acknowledged) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile (0–100, nearest rank) of successful requests' latency, in seconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        return ordered[rank - 1]

    def summary(self) -> str:
        outcomes = ", ".join(f"{key} {n}" for key, n in sorted(self.outcomes.items()))
        return (
            f"{len(self.acknowledged)} acknowledged ({self.created} stored, {self.duplicates} duplicate) in "
            f"{self.elapsed:.1f} s: {self.throughput:.0f}/s; latency p50 {self.percentile(50) * 1000:.0f} ms, "
            f"p90 {self.percentile(90) * 1000:.0f} ms, p99 {self.percentile(99) * 1000:.0f} ms; "
            f"{len(self.refused)} refused, {len(self.pending)} pending; requests: {outcomes}"
        )


BodyBuilder = Callable[[Kiosk, random.Random, dt.datetime], dict[str, Any]]


def run(
    base_url: str,
    kiosks: Sequence[Kiosk],
    *,
    concurrency: int = 64,
    count: int | None = None,
    duration: float | None = None,
    seed: int = 0,
    timeout: float = 30.0,
    backoff: float = 0.05,
    max_backoff: float = 2.0,
    give_up: float | None = None,
    body: BodyBuilder = valid_body,
    result: LoadResult | None = None,
    path: str = "/api/v1/responses",
    rate: float | None = None,
) -> LoadResult:
    """Run the kiosks against ``base_url`` until ``count`` responses in total are acknowledged (spread evenly
    over the kiosks) or, with ``duration`` seconds, until then (responses in flight are finished).

    Parameters
    ----------
    concurrency
        Requests in flight at once (and connections).
    timeout
        Seconds a request may take before it counts as failed and is sent again (the tablet's browser waits
        minutes; gunicorn ends a request after 60 s). A shorter one sends more responses again while their
        first attempt is still being stored.
    backoff, max_backoff
        First wait after a failure and the cap; the wait doubles per failure of the same response (with
        jitter) and a 429's ``Retry-After`` is honoured up to the cap.
    give_up
        Seconds after which responses not yet acknowledged are left pending (``None``: never).
    body
        ``body(kiosk, rng, submitted_at)`` builds a response body; :func:`benchmarks.harness.valid_body` by
        default.
    result
        A :class:`LoadResult` to fill (to watch it from another thread); a new one by default.
    path
        Where the bodies are posted (the submission benchmark also posts to its bare baseline).
    rate
        Responses a second the kiosks offer together, at random moments (a Poisson process per kiosk), instead
        of each kiosk sending its next response as soon as the last is acknowledged: the latency of a server that
        keeps up, rather than of a queue. ``concurrency`` still bounds the requests in flight.
    """
    if (count is None) == (duration is None):
        raise ValueError("give either count or duration")
    result = result if result is not None else LoadResult()

    def go() -> None:
        asyncio.run(
            _run(
                base_url,
                kiosks,
                concurrency,
                count,
                duration,
                seed,
                timeout,
                backoff,
                max_backoff,
                give_up,
                body,
                result,
                path,
                rate,
            )
        )

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        go()
    else:  # called from code that runs an event loop in this thread (Playwright's sync API does): use another
        with ThreadPoolExecutor(1) as pool:
            pool.submit(go).result()
    return result


async def _run(
    base_url,
    kiosks,
    concurrency,
    count,
    duration,
    seed,
    timeout,
    backoff,
    max_backoff,
    give_up,
    body,
    result,
    path,
    rate,
) -> None:
    started = time.perf_counter()
    stop_new = started + duration if duration is not None else math.inf
    abandon = started + give_up if give_up is not None else math.inf
    quotas = [math.inf] * len(kiosks) if count is None else _spread(count, len(kiosks))
    # aiohttp rather than httpx: on two cores shared with the server, the client's own cost per request is part
    # of what is measured, and aiohttp's (C-accelerated parsing, a pool that does not scan every connection per
    # request) is about a tenth of httpx's.
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeouts = aiohttp.ClientTimeout(total=timeout)
    gate = asyncio.Semaphore(concurrency)
    now = dt.datetime.now(dt.UTC)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeouts) as client:

        async def kiosk_loop(index: int, kiosk: Kiosk) -> None:
            rng = random.Random(f"{seed}:{kiosk.token}")
            pace = random.Random(f"pace:{seed}:{kiosk.token}")  # apart: the bodies stay those of the seed
            headers = {"Authorization": f"Bearer {kiosk.token}", "Content-Type": "application/json"}
            # The tablet's own clock: responses spaced out over the last hours, never ahead of real time.
            quota = quotas[index]
            clock = now - SPACING * (min(quota, 40) + 1)
            sent = 0
            due = started
            while sent < quota and time.perf_counter() < stop_new:
                if rate is not None:  # the next citizen comes at a random moment, whether or not the last is sent
                    due += pace.expovariate(rate / len(kiosks))
                    if due >= stop_new:
                        return
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                clock = min(clock + SPACING, dt.datetime.now(dt.UTC))
                payload = body(kiosk, rng, clock)
                result.sent[payload["id"]] = (kiosk, payload)
                await _deliver(client, gate, headers, payload, rng, backoff, max_backoff, abandon, result, path)
                sent += 1
                if time.perf_counter() > abandon:
                    return

        await asyncio.gather(*(kiosk_loop(i, k) for i, k in enumerate(kiosks)))
    result.elapsed = time.perf_counter() - started


async def _deliver(
    client, gate, headers, payload, rng, backoff, max_backoff, abandon, result: LoadResult, path: str
) -> None:
    """Send one response until it is acknowledged or refused (or the run gives up)."""
    failures = 0
    data = json.dumps(payload).encode()  # the same bytes every time
    while time.perf_counter() < abandon:
        wait = None
        status = None
        async with gate:
            began = time.perf_counter()
            try:
                async with client.post(path, data=data, headers=headers) as response:
                    await response.read()
                    status, answer_headers = response.status, response.headers
            except (aiohttp.ClientError, TimeoutError) as exc:
                result.outcomes[type(exc).__name__] += 1
            took = time.perf_counter() - began
        if status is not None:
            result.outcomes[str(status)] += 1
            if status in (200, 201):
                result.latencies.append(took)
                if status == 200:
                    result.duplicated.add(payload["id"])
                result.acknowledged.add(payload["id"])
                return
            if status not in RETRIED:
                result.refused[payload["id"]] = status
                return
            wait = _retry_after(answer_headers)
        failures += 1
        delay = min(max_backoff, backoff * 2 ** (failures - 1)) * rng.uniform(0.5, 1.0)
        await asyncio.sleep(min(max_backoff, wait) if wait is not None else delay)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    try:
        return float(headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _spread(total: int, parts: int) -> list[int]:
    return [total // parts + (i < total % parts) for i in range(parts)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Submit kiosk responses to a running server, with retries.")
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--tokens-file", required=True, help="kiosks written by python -m benchmarks.harness")
    parser.add_argument("--kiosks", type=int, help="use only the first N kiosks of the file")
    parser.add_argument("--concurrency", type=int, default=64)
    amount = parser.add_mutually_exclusive_group(required=True)
    amount.add_argument("--count", type=int, help="responses in total")
    amount.add_argument("--duration", type=float, help="seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--give-up", type=float, help="seconds after which unacknowledged responses are left")
    args = parser.parse_args(argv)
    kiosks = load_kiosks(args.tokens_file)[: args.kiosks]
    result = run(
        args.url,
        kiosks,
        concurrency=args.concurrency,
        count=args.count,
        duration=args.duration,
        seed=args.seed,
        timeout=args.timeout,
        give_up=args.give_up,
    )
    print(f"{len(kiosks)} kiosks, {args.concurrency} connections")
    print(result.summary())


if __name__ == "__main__":
    main()
