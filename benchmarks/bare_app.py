"""The baseline of the submission benchmark: the production app plus one endpoint that stores a body unchecked.

``POST /bench/bare`` parses the JSON body and inserts one row (the body's ``id`` and the raw bytes) into
``bench_bare_submission`` in its own transaction — no token, no schema, no questionnaire, no integrity flags.
It runs in the same gunicorn, the same workers and the same Flask app as ``POST /api/v1/responses``, so the
ratio of their throughputs is what the real endpoint's checks cost.

Serve it with ``gunicorn -c gunicorn.conf.py 'benchmarks.bare_app:create_app()'`` after :func:`create_table`.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask, jsonify, request

from surveyapp import create_app as create_surveyapp
from surveyapp.db import db
from surveyapp.extensions import csrf

METADATA = sa.MetaData()
BARE = sa.Table(
    "bench_bare_submission",
    METADATA,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("uuid", sa.String(36)),
    sa.Column("body", sa.LargeBinary),
)

bare = Blueprint("bench_bare", __name__)
csrf.exempt(bare)


@bare.post("/bench/bare")
def store_unchecked():
    body = request.get_json(silent=True) or {}
    db.session.execute(BARE.insert().values(uuid=str(body.get("id")), body=request.get_data()))
    db.session.commit()
    return jsonify(status="stored"), 201


def create_app() -> Flask:
    app = create_surveyapp()
    app.register_blueprint(bare)
    return app


def create_table(url: str) -> None:
    """Create the baseline's table (empty) in the database at ``url``."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        BARE.drop(connection, checkfirst=True)
        BARE.create(connection)
    engine.dispose()


def stored(url: str) -> int:
    """Rows the baseline stored."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(sa.select(sa.func.count()).select_from(BARE))
    engine.dispose()
    return int(count or 0)
