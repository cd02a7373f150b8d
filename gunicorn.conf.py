"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py 'surveyapp:create_app()'``.

Every value can be overridden from the environment (GUNICORN_CMD_ARGS, or the variables below).
"""

import multiprocessing
import os

bind = os.environ.get("SURVEYAPP_BIND", "127.0.0.1:8000")
#: Workers are processes: the app keeps no state in memory that another worker needs (rate limits go to Redis).
workers = int(os.environ.get("SURVEYAPP_WORKERS", multiprocessing.cpu_count() * 2))
#: A few threads per worker let a slow database call not hold up quick ones.
worker_class = "gthread"
threads = int(os.environ.get("SURVEYAPP_THREADS", 4))
#: Requests are small; a request still running after this long is stuck.
timeout = 60
graceful_timeout = 20
#: Recycle workers now and then, so that a slow leak never grows.
max_requests = 20000
max_requests_jitter = 2000
accesslog = None  # the app logs every request itself (SURVEYAPP_LOG_FORMAT=json)
errorlog = "-"
#: One BLAS thread per worker process (see surveyapp/_threads.py).
raw_env = ["OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1"]
forwarded_allow_ips = os.environ.get("SURVEYAPP_FORWARDED_ALLOW_IPS", "127.0.0.1")
