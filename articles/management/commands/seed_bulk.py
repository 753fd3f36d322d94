"""Seed many articles and products, for benchmarks and scale tests."""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import TextField, Value
from django.db.models.functions import Concat
from django.utils import timezone

from articles.models import FAQ, Article, Author, ProductCard, Section, Takeaway, Topic
from products.models import Product

PREFIX = "bulk-"
WORDS = (
    "heel arch support cushion stride knee ankle comfort walking running plantar fascia pain relief "
    "footbed posture alignment balance sole midsole stability recovery tendon muscle joint"
).split()


def _text(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


class Command(BaseCommand):
    help = (
        "Create N bulk articles (4 sections, 3 takeaways, 4 FAQs, 2 product cards each) and M products. "
        "Rows are named bulk-*; --clear removes earlier bulk rows first. Demo content is untouched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=10_000)
        parser.add_argument("--products", type=int, default=500)
        parser.add_argument("--clear", action="store_true")
        parser.add_argument("--seed", type=int, default=7)

    @transaction.atomic
    def handle(self, *args, articles, products, clear, seed, **options):
        rng = random.Random(seed)
        if clear:
            Article.objects.filter(slug__startswith=PREFIX).delete()
            Product.objects.filter(slug__startswith=PREFIX).delete()
        author, _ = Author.objects.get_or_create(slug=f"{PREFIX}author", defaults={"name": "KURU Editorial Team"})
        topics = [
            Topic.objects.get_or_create(slug=f"{PREFIX}topic-{n}", defaults={"name": f"Bulk topic {n}"})[0]
            for n in range(1, 21)
        ]
        start = Product.objects.filter(slug__startswith=PREFIX).count()
        Product.objects.bulk_create(
            Product(
                name=f"{rng.choice(['ATOM', 'QUANTUM', 'FLUX', 'KINETIC'])} Bulk Sneaker {n}",
                slug=f"{PREFIX}product-{n:05d}",
                line="BULK",
                gender=rng.choice(["women", "men"]),
                category=rng.choice(["sneakers", "sandals", "boots"]),
                description=_text(rng, 30),
                rating_average=round(rng.uniform(3.5, 5), 2),
                rating_count=rng.randint(0, 5000),
                shop_url=f"https://shop.example.com/products/{n}",
                is_recommended=False,
            )
            for n in range(start, start + products)
        )
        product_ids = list(Product.objects.filter(slug__startswith=PREFIX).values_list("id", flat=True))
        first = Article.objects.filter(slug__startswith=PREFIX).count()
        now = timezone.now()
        batch = 500
        for offset in range(first, first + articles, batch):
            numbers = range(offset, min(offset + batch, first + articles))
            made = Article.objects.bulk_create(
                Article(
                    title=f"{_text(rng, 6)[:-1]} ({n})",
                    slug=f"{PREFIX}article-{n:05d}",
                    author=author,
                    excerpt=_text(rng, 25),
                    intro_html=f"<p>{_text(rng, 60)}</p>",
                    status="published",
                    published_at=now - timedelta(minutes=n + 10),
                    reading_minutes=rng.randint(3, 12),
                    word_count=rng.randint(800, 3000),
                )
                for n in numbers
            )
            sections = Section.objects.bulk_create(
                Section(article=a, sort_order=i, heading=_text(rng, 5)[:-1], body_html=f"<p>{_text(rng, 120)}</p>")
                for a in made
                for i in range(1, 5)
            )
            Takeaway.objects.bulk_create(
                Takeaway(article=a, text=_text(rng, 14), sort_order=i) for a in made for i in range(1, 4)
            )
            FAQ.objects.bulk_create(
                FAQ(article=a, question=_text(rng, 8)[:-1] + "?", answer_html=f"<p>{_text(rng, 40)}</p>", sort_order=i)
                for a in made
                for i in range(1, 5)
            )
            Article.topics.through.objects.bulk_create(
                Article.topics.through(article_id=a.pk, topic_id=topic.pk)
                for a in made
                for topic in rng.sample(topics, 2)
            )
            if product_ids:
                ProductCard.objects.bulk_create(
                    ProductCard(
                        article=s.article, section=s, product_id=rng.choice(product_ids), sort_order=s.sort_order
                    )
                    for s in sections
                    if s.sort_order in (1, 3)
                )
        bulk = Article.objects.filter(slug__startswith=PREFIX)
        bulk.filter(search_text="").update(
            search_text=Concat("excerpt", Value(" "), "intro_html", output_field=TextField())
        )
        bulk.filter(search_vector__isnull=True).refresh_search_vectors()
        self.stdout.write(
            f"Bulk content: {Article.objects.filter(slug__startswith=PREFIX).count():,} articles, "
            f"{len(product_ids):,} products."
        )
