"""
The editors' dashboard on the admin index: blocks the apps register, each shown only to staff who may open it.

A lower app never imports a higher one, so no single module can ask every app
for its numbers: each app registers its own blocks (from its AppConfig.ready(),
like the page cache's register_* hooks) and the index template asks for them
with `{% editor_dashboard %}`. A block function reads a bounded number of rows
(a few queries, whatever the data) and returns None when the viewer may not see it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Item:
    label: str
    url: str
    note: str = ""


@dataclass
class Block:
    title: str
    items: list[Item] = field(default_factory=list)
    empty: str = "Nothing here."
    more_url: str = ""
    more_label: str = ""
    summary: str = ""


# {name: (order, function)}: filled once at startup, as the admin's own registry is.
_blocks: dict[str, tuple[int, Callable]] = {}


def register(order: int):
    """Add the decorated `function(request) -> Block | None` to the dashboard, at `order` (lowest first)."""

    def decorate(function):
        _blocks[f"{function.__module__}.{function.__qualname__}"] = (order, function)
        return function

    return decorate


def blocks_for(request) -> list[Block]:
    """The blocks `request.user` may see, in order."""
    found = (function(request) for _order, function in sorted(_blocks.values(), key=lambda pair: pair[0]))
    return [block for block in found if block is not None]
