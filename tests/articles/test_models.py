from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import Article, Section
from tests.factories import image_file, make_article


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


def test_extras_returns_takeaways_and_faqs_in_order(db):
    article = make_article(takeaways=3, faqs=2)
    article.takeaways.filter(sort_order=1).update(sort_order=9)
    takeaways, faqs, topics = article.extras()
    assert takeaways == ["Takeaway 2", "Takeaway 3", "Takeaway 1"]
    assert faqs == [
        {"question": "Question 1?", "answer_html": "<p>Answer 1.</p>"},
        {"question": "Question 2?", "answer_html": "<p>Answer 2.</p>"},
    ]
    assert topics == []


def test_extras_sorts_topics_by_name_and_keeps_other_articles_out(db):
    from articles.models import Topic

    article, other = make_article(takeaways=1, faqs=1), make_article(takeaways=2, faqs=2)
    zinc, arch = (
        Topic.objects.create(name="Zinc", slug="zinc"),
        Topic.objects.create(name="Arch pain", slug="arch-pain"),
    )
    article.topics.set([zinc, arch])
    other.topics.set([Topic.objects.create(name="Heels", slug="heels")])
    other.faqs.update(answer_html="<p>Elsewhere &amp; later.</p>")
    takeaways, faqs, topics = article.extras()
    assert [(t.name, t.slug) for t in topics] == [("Arch pain", "arch-pain"), ("Zinc", "zinc")]
    assert takeaways == ["Takeaway 1"] and [f["question"] for f in faqs] == ["Question 1?"]
    assert other.extras()[1][1] == {"question": "Question 2?", "answer_html": "<p>Elsewhere &amp; later.</p>"}


def test_figure_needs_alt_text(db):
    article = make_article()
    section = Section(article=article, heading="H", figure_image=image_file())
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
    article.hero_image = image_file()
    with pytest.raises(ValidationError) as excinfo:
        article.full_clean()
    assert "hero_alt" in excinfo.value.message_dict
