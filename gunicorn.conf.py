"""gunicorn settings for DiseaseMaps, read from the environment.

gunicorn reads this file by itself when started from the repository root:

    gunicorn diseasemaps.wsgi

Every value can be changed with an environment variable (README, "Deployment");
a bad value stops start-up with a message naming the variable.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from diseasemaps.lib.env import env_bool, env_int, env_list, env_str


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may use
    except AttributeError:
        return os.cpu_count() or 1


wsgi_app = "diseasemaps.wsgi:application"

# Behind a load balancer or reverse proxy on the same host; in a container give
# 0.0.0.0:8000 and keep the port off the internet.
bind = env_list("GUNICORN_BIND", ["127.0.0.1:8000"])

# gunicorn's rule of thumb, 2 × cores + 1, capped: every worker thread keeps a
# connection open to the primary and to a replica, and PostgreSQL's
# max_connections (100 by default) must cover all app servers together.
workers = env_int("WEB_CONCURRENCY", min(2 * _cores() + 1, 12), minimum=1)
# A couple of threads per worker, so a slow client or a slow query does not
# hold a whole process; pages are mostly waiting on the database or Redis.
threads = env_int("GUNICORN_THREADS", 2, minimum=1)
worker_class = "gthread" if threads > 1 else "sync"

# A request that takes longer than this is a bug or an outage: kill the worker.
timeout = env_int("GUNICORN_TIMEOUT", 30, minimum=1)
# Time for requests in flight to finish on a restart or deploy.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
# Longer than the load balancer's idle timeout (commonly 60 s), so the balancer
# closes idle connections first instead of sending a request down one that
# gunicorn has just closed (a 502).
keepalive = env_int("GUNICORN_KEEPALIVE", 75, minimum=0)

# Restart each worker after about this many requests (0: never), staggered so
# they do not all restart at once: slow leaks never grow large.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000, minimum=0)
max_requests_jitter = max_requests // 10

# The heartbeat file on a memory file system: on a disk-backed /tmp (some
# containers) its fchmod can block workers long enough to be killed.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108  # nosec B108

# No access log unless asked for: URLs say which conditions people read, the
# same reason settings.LOGGING keeps request logs out. Errors go to stderr.
accesslog = "-" if env_bool("GUNICORN_ACCESS_LOG", False) else None
errorlog = "-"
loglevel = env_str("LOG_LEVEL", "info").lower()

# Only these addresses may tell gunicorn the original scheme (X-Forwarded-Proto);
# list the load balancer's. Django trusts the header only with BEHIND_PROXY=true.
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
