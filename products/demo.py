"""Demo ratings: deterministic sets whose approved count and average match the catalog's figures."""

import random

from django.db import transaction

from .models import Product, Rating

TITLES = ["Finally, no heel pain", "Comfortable all day", "Great support", "Worth it", "My go-to shoe"]
TEXTS = [
    "I stand for ten hours a shift and my heels stopped aching within a week.",
    "Roomy toe box and the heel cup really holds my foot.",
    "Took a few days to get used to the arch support, now I love them.",
]


def star_counts(count: int, average: float) -> dict:
    """How many 1–5 star ratings give `count` ratings averaging `average` (to two decimals)."""
    low = min(1.0, (5 - average) / 0.5)  # fewer low ratings for a very high average
    ones, twos, threes = round(count * 0.02 * low), round(count * 0.02 * low), round(count * 0.05 * low)
    rest = count - ones - twos - threes
    target = round(average * count)
    fives = max(0, min(rest, target - 4 * rest - 3 * threes - 2 * twos - ones))
    return {1: ones, 2: twos, 3: threes, 4: rest - fives, 5: fives}


@transaction.atomic
def seed_demo_ratings(product, count: int, average: float) -> None:
    """Give `product` exactly `count` approved demo ratings (created once, by external id)."""
    have = set(product.ratings.filter(external_id__startswith="demo-").values_list("external_id", flat=True))
    rng = random.Random(product.slug)
    stars = [s for s, n in star_counts(count, average).items() for _ in range(n)]
    rng.shuffle(stars)
    Rating.objects.bulk_create(
        Rating(
            product=product,
            stars=value,
            title=rng.choice(TITLES) if i % 9 == 0 else "",
            text=rng.choice(TEXTS) if i % 9 == 0 else "",
            reviewer_name=f"{rng.choice('ABCDEFGHJKLMNPRSTW')}. {rng.choice(['Smith', 'Garcia', 'Lee', 'Brown', 'Nguyen', 'Patel'])}",
            is_verified_purchase=i % 4 != 0,
            status=Rating.Status.APPROVED,
            external_id=f"demo-{i}",
        )
        for i, value in enumerate(stars)
        if f"demo-{i}" not in have
    )
    Product.refresh_rating(product.pk)
