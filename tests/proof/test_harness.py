"""The load harness itself: it leaves the process as it found it and runs wherever a test calls it."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks import loadgen
from benchmarks.harness import prepare_database, stored_responses
from surveyapp.extensions import limiter

pytestmark = pytest.mark.proof


def test_preparing_a_database_leaves_rate_limits_on(tmp_path):
    url = f"sqlite:///{tmp_path / 'harness.sqlite3'}"
    [kiosk] = prepare_database(url, 1)
    assert kiosk.token.startswith("kd_") and kiosk.questions and stored_responses(url) == []
    assert limiter.enabled  # one limiter serves every app of the process


def test_the_load_generator_runs_inside_a_running_event_loop():
    async def inside():
        return loadgen.run("http://127.0.0.1:9", [], count=0)

    # A thread of its own: after the browser tests, Playwright's loop may still run in this one.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(lambda: asyncio.run(inside())).result().requests == 0
