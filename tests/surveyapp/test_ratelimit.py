"""Rate limits kept in Redis (the production set-up): one round trip per request, and the same limits and
headers as the ``limits`` library's own Redis storage. Needs the Redis server at 127.0.0.1:6379."""

from __future__ import annotations

import uuid

import pytest
import redis

from surveyapp import create_app
from surveyapp.ratelimit import OneTripRedisStorage, storage_uri

REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis_app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
            "RATELIMIT_STORAGE_URI": REDIS,
            "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # other test runs share the server
            "API_DEVICE_LIMIT": "3 per minute",
        }
    )
    yield app
    connection = redis.Redis.from_url(REDIS)
    for key in connection.scan_iter(f"*{app.config['RATELIMIT_KEY_PREFIX']}*"):
        connection.delete(key)


@pytest.fixture
def commands(monkeypatch) -> list[str]:
    """The Redis commands sent by this process from now on."""
    sent: list[str] = []
    original = redis.Redis.execute_command

    def counted(self, *args, **options):
        sent.append(str(args[0]))
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    return sent


def test_a_redis_uri_gets_the_one_trip_storage():
    assert storage_uri("redis://127.0.0.1:6379/0") == "surveyapp+redis://127.0.0.1:6379/0"
    assert storage_uri("rediss://cache.internal:6380") == "surveyapp+rediss://cache.internal:6380"
    assert storage_uri("memory://") == "memory://"
    storage = OneTripRedisStorage("surveyapp+redis://127.0.0.1:6379/13")
    assert storage.check()


def test_a_limited_request_costs_one_round_trip_and_keeps_its_headers(redis_app, commands):
    client = redis_app.test_client()
    headers = {"Authorization": "Bearer not-a-device-token"}
    client.get("/api/v1/device", headers=headers)  # the first request also loads the script into Redis
    commands.clear()
    second = client.get("/api/v1/device", headers=headers)
    assert second.status_code == 401
    assert len(commands) == 1, commands
    assert second.headers["X-RateLimit-Limit"] == "3" and second.headers["X-RateLimit-Remaining"] == "1"
    third = client.get("/api/v1/device", headers=headers)
    assert third.headers["X-RateLimit-Remaining"] == "0"
    refused = client.get("/api/v1/device", headers=headers)
    assert refused.status_code == 429 and refused.get_json()["error"] == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other = client.get("/api/v1/device", headers={"Authorization": "Bearer another-token"})
    assert other.status_code == 401 and other.headers["X-RateLimit-Remaining"] == "2"  # counted per device


def test_the_window_is_shared_with_another_worker(redis_app):
    """A second app (another worker) sees the counts of the first, as with the library's own storage."""
    second = create_app({**redis_app.config})
    headers = {"Authorization": "Bearer shared-token"}
    assert redis_app.test_client().get("/api/v1/device", headers=headers).headers["X-RateLimit-Remaining"] == "2"
    assert second.test_client().get("/api/v1/device", headers=headers).headers["X-RateLimit-Remaining"] == "1"
    assert redis_app.test_client().get("/api/v1/device", headers=headers).headers["X-RateLimit-Remaining"] == "0"
    assert second.test_client().get("/api/v1/device", headers=headers).status_code == 429
