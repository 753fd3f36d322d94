"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the tests that read what mail was sent."""

import os
import socket
from contextlib import contextmanager

import pytest


@contextmanager
def running_smtp_server(handler):
    """Serve `handler` (an aiosmtpd handler) on a free 127.0.0.1 port, set as `handler.port`, until the block ends.

    Skips without aiosmtpd; under CI=true that is a failure.
    """
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        message = "aiosmtpd is missing: pip install -r requirements-dev.txt"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()
