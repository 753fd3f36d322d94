from django.dispatch import Signal

# Sent by the "Articles that sell" report before it reads ArticleDailyViews, so
# that whoever counts views in batches (articles/pageviews.py) can write them first.
report_requested = Signal()
