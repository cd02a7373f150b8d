"""The app, served by gunicorn, killing its own server — master and every worker, SIGKILL — right after a
response is committed and before its acknowledgement leaves: the moment a power cut loses an answer's "stored".

``PROOF_DIE_AFTER`` (default 1): which stored response of the worker; ``PROOF_DIE_MARK``: a file that receives
the response's id and stops a restarted server from dying again.
"""

from __future__ import annotations

import itertools
import os
import signal
from pathlib import Path

from flask import Flask, Response, request

import surveyapp


def create_app() -> Flask:
    app = surveyapp.create_app()
    mark = Path(os.environ["PROOF_DIE_MARK"])
    after = int(os.environ.get("PROOF_DIE_AFTER", "1"))
    stored = itertools.count(1)

    @app.after_request
    def die_after_commit(response: Response) -> Response:
        if request.endpoint != "api.submit_response" or response.status_code != 201:
            return response
        if next(stored) >= after and not mark.exists():
            mark.write_text(request.get_json()["id"])
            os.killpg(os.getpgrp(), signal.SIGKILL)
        return response

    return app
