"""Background work of the products app, run by the task queue (`manage.py db_worker` in production)."""

import logging

from django_tasks import task

from .services import products_feed_import

logger = logging.getLogger(__name__)


@task()
def import_product_feed(path: str) -> str:
    """Import the shop's feed at `path` (what `import_products FEED --enqueue` queues); returns the summary.

    A bad feed raises: the task fails with its PATH:LINE messages and nothing is written.
    """
    summary = products_feed_import(path=path).summary()
    logger.info("Product feed %s imported: %s", path, summary)
    return summary
