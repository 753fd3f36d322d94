import threading
from email import message_from_bytes, policy

import pytest

from tests.smtp import running_smtp_server


class SmtpInbox:
    """What a real SMTP server (aiosmtpd) on 127.0.0.1 received, one parsed message per accepted mail.

    `rcpt_replies[address]` lists answers to give, in turn, to RCPT TO for that
    address ("451 ..." for a temporary refusal, "550 ..." for a permanent one);
    `before_accept(envelope)` may return an answer to DATA instead of accepting.
    """

    def __init__(self):
        self.messages = []
        self.rcpt_replies = {}
        self.before_accept = None
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            replies = self.rcpt_replies.get(address.lower())
            reply = replies.pop(0) if replies else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.before_accept is not None:
            refusal = self.before_accept(envelope)
            if refusal:
                return refusal
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.extend((address.lower(), message) for address in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def to(self, address):
        with self._lock:
            return [message for recipient, message in self.messages if recipient == address.lower()]

    def recipients(self):
        with self._lock:
            return [recipient for recipient, _ in self.messages]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 that Django's SMTP backend sends to (in this and other processes)."""
    with running_smtp_server(SmtpInbox()) as inbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", inbox.port, 10
        yield inbox
