"""The article page's template tags (articles/templatetags/articles_tags.py)."""

from django.test.html import parse_html

from articles.models import Article, Section
from articles.templatetags.articles_tags import article_section
from tests.factories import make_article

EXPECTED_SECTION = """
<section class="article-section article-section--h3" id="shoes-socks">
  <h3>Shoes &amp; &lt;socks&gt;
    <a class="heading-link" href="#shoes-socks"><span class="visually-hidden">Link to this section</span>
      <span aria-hidden="true">#</span></a></h3>
  <div class="rich-text"><p>Body <strong>text</strong>.</p></div>
  <p class="guide-callout">Read &quot;more&quot; in <a href="/blog/the-guide/">our &lt;guide&gt;</a></p>
</section>
"""


def _section(**fields):
    article = make_article()
    section = Section(
        article=article,
        heading="Shoes & <socks>",
        level=Section.Level.H3,
        anchor="shoes-socks",
        body_html="<p>Body <strong>text</strong>.</p>",
        **fields,
    )
    return section


def test_a_section_is_its_heading_body_and_callout_escaped(db):
    guide = make_article(slug="the-guide")
    section = _section(callout_lead='Read "more" in', callout_link_text="our <guide>", callout_article=guide)
    assert parse_html(article_section(section)) == parse_html(EXPECTED_SECTION)


def test_a_callout_to_an_article_readers_cannot_see_is_left_out(db):
    draft = make_article(status=Article.Status.DRAFT)
    section = _section(callout_lead="Read", callout_link_text="the draft", callout_article=draft)
    html = article_section(section)
    assert "guide-callout" not in html and draft.slug not in html
    assert 'id="shoes-socks"' in html and "<h3>" in html


def test_an_address_callout_is_escaped_and_an_empty_body_leaves_no_box(db):
    section = _section(callout_link_text="shop", callout_url='https://example.com/?a=1&b="2"')
    section.body_html = ""
    html = article_section(section)
    assert 'href="https://example.com/?a=1&amp;b=&quot;2&quot;"' in html
    assert "rich-text" not in html
