"""Checking API responses against the OpenAPI document the server publishes."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

OPENAPI = Path(__file__).resolve().parents[1] / "surveyapp" / "api" / "openapi.json"


@cache
def spec() -> dict:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


def resolve(node):
    """The schema with every ``#/components/...`` reference replaced by what it points at."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = spec()
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolve(target)
        return {key: resolve(value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item) for item in node]
    return node


def check(response, path: str, method: str):
    """Assert that ``response`` (a Flask test response) is documented for ``method path`` and matches its
    schema; return it for chaining."""
    operation = spec()["paths"][path][method.lower()]
    documented = operation["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {path} answered {status}, which is not documented"
    content = documented[status].get("content", {})
    if "application/json" in content:
        assert response.is_json, f"{method} {path} {status} is not JSON"
        schema = resolve(content["application/json"]["schema"])
        errors = list(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(response.get_json()))
        assert errors == [], f"{method} {path} {status}: {[e.message for e in errors]}"
    return response
