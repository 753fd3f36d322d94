"""Which addresses the site may mail: apps that keep a suppression list register it here.

The newsletter keeps the addresses a mail provider reported as hard bounces or
complaints; mail sent by apps below it (articles' review notifications) must
skip them too, without importing it. A registered check is configuration made
once in AppConfig.ready(), like the page cache's registries, not state.
"""

_suppression_checks = []


def register_suppression_check(check):
    """`check(address)` returns True when no mail may go to `address`."""
    if check not in _suppression_checks:
        _suppression_checks.append(check)
    return check


def unsuppressed(addresses) -> list[str]:
    """The addresses no registered check suppresses, in their order."""
    return [address for address in addresses if not any(check(address) for check in _suppression_checks)]
