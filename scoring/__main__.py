"""Run the CSV scorer: ``python -m scoring responses.csv --questionnaire surveys/sipas-v1.toml --unit agency``."""

import sys

from scoring._cli import main

sys.exit(main())
