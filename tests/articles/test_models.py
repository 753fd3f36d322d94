from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import Article, Section
from tests.factories import make_article, make_image


def test_published_hides_drafts_and_future(db):
    live = make_article(published_at=timezone.now() - timedelta(seconds=1))
    make_article(published_at=timezone.now() + timedelta(hours=1))
    make_article(status=Article.Status.DRAFT, published_at=timezone.now() - timedelta(hours=1))
    make_article(status=Article.Status.PUBLISHED, published_at=None)
    assert list(Article.objects.published()) == [live]
    assert [a.is_published() for a in Article.objects.order_by("id")] == [True, False, False, False]


def test_reading_time_rounds_up_at_265_words_per_minute(db, settings):
    settings.READING_WORDS_PER_MINUTE = 265
    article = make_article(title="T", intro_html="<p>" + "word " * 264 + "</p>")
    assert (article.word_count, article.reading_minutes) == (265, 1)
    article.intro_html = "<p>" + "word " * 265 + "</p>"
    article.save()
    article.refresh_derived()
    assert (article.word_count, article.reading_minutes) == (266, 2)


def test_reading_time_counts_sections_takeaways_and_faqs(db):
    article = make_article(title="Title", intro_html="", sections=2, faqs=1, takeaways=1)
    # Title(1) + 2 x (heading 2 words + body 2 words) + takeaway 2 + FAQ question 2 + answer 2
    assert article.word_count == 1 + 8 + 2 + 4


def test_figure_needs_alt_text(db):
    article = make_article()
    section = Section(article=article, heading="H", figure_image=make_image())
    with pytest.raises(ValidationError) as excinfo:
        section.full_clean()
    assert "figure_alt" in excinfo.value.message_dict


def test_callout_needs_exactly_one_target(db):
    article = make_article()
    section = Section(article=article, heading="H", callout_link_text="guide")
    with pytest.raises(ValidationError) as excinfo:
        section.full_clean()
    assert "callout_url" in excinfo.value.message_dict
    section.callout_url = "https://example.com/guide"
    section.full_clean()


def test_hero_needs_alt_text(db):
    article = make_article()
    article.hero_image = make_image()
    with pytest.raises(ValidationError) as excinfo:
        article.full_clean()
    assert "hero_alt" in excinfo.value.message_dict
