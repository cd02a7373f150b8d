"""The ``surveyapp`` console script: the Flask command line with this app, no ``--app`` needed."""

from flask.cli import FlaskGroup

from surveyapp import create_app


def main() -> None:
    FlaskGroup(create_app=create_app)()
