"""Every counter submits at once: gunicorn with its production settings, 200 kiosks (more at full scale), each
sending its responses in order. Afterwards every acknowledged response is stored exactly once, with the
content its kiosk sent, and the server never answered 5xx (see ``Scale.sqlite_busy`` for SQLite at full size)."""

from __future__ import annotations

import pytest

from benchmarks import loadgen
from benchmarks.harness import compare, integrity_problems, stored_responses

pytestmark = pytest.mark.proof


def test_every_kiosk_at_once_is_stored_exactly_once(proof_url, province, server, scale, figures, server_errors):
    count = scale.kiosks * scale.responses
    result = loadgen.run(server.base_url, province, concurrency=scale.concurrency, count=count, give_up=scale.give_up)
    figures(f"{len(province)} kiosks, {scale.concurrency} connections: {result.summary()}")
    assert server_errors(result) == {}, f"{result.summary()}\n{server.log_tail()}"
    assert not result.refused and not result.pending, result.summary()
    assert len(result.acknowledged) == count
    comparison = compare(stored_responses(proof_url), result.acknowledged, result.sent)
    assert comparison.holds, str(comparison)
    assert integrity_problems(proof_url) == []
