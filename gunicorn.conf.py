"""gunicorn settings of the web process, shared by `make run` (scripts/run.sh) and the image
(Dockerfile, docker-compose.yml).

Database connections are bounded here. Django keeps at most one connection per thread that
serves requests, and gthread workers serve requests from a fixed pool of threads, so one web
process (all its workers) never holds more than WEB_CONCURRENCY × WEB_THREADS connections, however
many clients are waiting. More clients queue for a thread instead of opening connections until
PostgreSQL refuses them. (runserver, by contrast, starts a thread per request: no bound at all.)
"""

import os

wsgi_app = "iop.wsgi:application"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# No control socket: it could add workers at run time, past the bound; and every gunicorn of a
# user shares its default path (~/.gunicorn/gunicorn.ctl), so `make run` and the tests would collide.
control_socket_disable = True

# The path only, never the query string: no PHI in logs.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def when_ready(server):
    cfg = server.cfg  # after command-line options, which override this file
    server.log.info(
        "Database connections of this web process: at most %d (%d workers x %d threads)",
        cfg.workers * cfg.threads,
        cfg.workers,
        cfg.threads,
    )
