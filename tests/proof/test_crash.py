"""The server is killed mid-write: SIGKILL to gunicorn's master and all its workers at random moments while every
kiosk submits, then started again; the kiosks retry as their queue does. Once they are done, the stored
responses are exactly the acknowledged ones — none lost, none stored twice (a response committed just before
the kill, whose acknowledgement never left, is sent again and acknowledged as a duplicate) — and the database
engine finds nothing wrong with its files or indexes."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks import loadgen
from benchmarks.harness import Server, compare, integrity_problems, stored_responses

pytestmark = pytest.mark.proof


def test_kill_9_during_load_loses_and_doubles_nothing(
    backend, proof_url, province, server, scale, figures, server_errors
):
    count = scale.kiosks * scale.crash_responses
    rng = random.Random(f"crash:{backend}")
    # Kill when these many responses have been acknowledged, plus up to a fifth of a second.
    marks = sorted(rng.sample(range(count // 10, count * 9 // 10), scale.kills))
    result = loadgen.LoadResult()
    kills, downtime = [], 0.0
    with ThreadPoolExecutor(1) as pool:
        load = pool.submit(
            loadgen.run,
            server.base_url,
            province,
            concurrency=scale.concurrency,
            count=count,
            give_up=scale.give_up,
            result=result,
        )
        for mark in marks:
            while len(result.acknowledged) < mark and not load.done():
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.2))
            if load.done():
                break
            kills.append(len(result.acknowledged))
            server.kill9()
            began = time.perf_counter()
            server.start()
            downtime += time.perf_counter() - began
        load.result()
    figures(
        f"{len(kills)} kills (after {', '.join(map(str, kills))} acknowledged; {downtime:.0f} s down in all): "
        f"{result.summary()}"
    )
    assert len(kills) == scale.kills, "the load ended before every kill"
    assert server_errors(result) == {}, f"{result.summary()}\n{server.log_tail()}"
    assert not result.refused and not result.pending, result.summary()
    assert len(result.acknowledged) == count
    comparison = compare(stored_responses(proof_url), result.acknowledged, result.sent)
    figures(str(comparison))
    assert comparison.holds, str(comparison)
    assert integrity_problems(proof_url) == []


def test_a_stored_response_whose_acknowledgement_died_is_acknowledged_as_a_duplicate(
    proof_url, province, server, figures, tmp_path
):
    """The deterministic case of the above: the server dies between the commit and the 201."""
    mark = tmp_path / "died-after"
    dying = Server(
        proof_url,
        workers=1,
        threads=4,
        app="tests.proof.dying_app:create_app()",
        env={"PROOF_DIE_MARK": str(mark), "PROOF_DIE_AFTER": "3"},
        log_path=tmp_path / "gunicorn.log",
    )
    kiosks = province[:5]
    dying.start()
    try:
        with ThreadPoolExecutor(1) as pool:
            load = pool.submit(loadgen.run, dying.base_url, kiosks, concurrency=4, count=10, give_up=120)
            deadline = time.monotonic() + 60
            while dying.running and time.monotonic() < deadline:
                time.sleep(0.01)
            assert not dying.running, "the server did not die"
            dying.kill9()  # reap the master; no worker is left
            dying.start()
            result = load.result()
    finally:
        dying.stop()
    lost_ack = mark.read_text()
    figures(f"the acknowledgement of {lost_ack} died with the server: {result.summary()}")
    assert lost_ack in result.duplicated
    assert not result.refused and not result.pending and result.server_errors == 0, result.summary()
    comparison = compare(stored_responses(proof_url), result.acknowledged, result.sent)
    assert comparison.holds and comparison.rows == 10, str(comparison)
