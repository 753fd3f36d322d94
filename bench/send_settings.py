"""Settings of the `make bench` send row's worker: the site's own, plus a count of every SQL statement it runs.

BENCH_QUERY_COUNT_FILE names a file the worker writes its running total to (counted
by a connection execute_wrapper) when it gets SIGUSR1 and at exit; only the bench
loads this module (DJANGO_SETTINGS_MODULE=send_settings).
"""

import atexit
import os
import signal

from django.db.backends.signals import connection_created

from kuru_site.settings import *  # noqa: F403

_COUNT_FILE = os.environ["BENCH_QUERY_COUNT_FILE"]
_total = 0


def _write():
    with open(_COUNT_FILE + ".tmp", "w") as f:
        f.write(str(_total))
    os.replace(_COUNT_FILE + ".tmp", _COUNT_FILE)


def _count(execute, sql, params, many, context):
    global _total
    _total += 1
    return execute(sql, params, many, context)


def _install(sender, connection, **kwargs):
    # Fired on every (re)connect of the same DatabaseWrapper: install once.
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)


connection_created.connect(_install, dispatch_uid="bench-count-queries")
atexit.register(_write)
signal.signal(signal.SIGUSR1, lambda signum, frame: _write())
_write()  # the bench waits for this file: from now on SIGUSR1 is ours, not a kill
