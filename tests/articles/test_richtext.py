import pytest

from core.richtext import html_to_markdown, markdown_to_html, sanitize_html
from tests.factories import make_article, make_author


@pytest.mark.parametrize(
    "dirty, clean",
    [
        ("<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
        ('<p onclick="steal()" style="color:red">Hi</p>', "<p>Hi</p>"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ("<style>p{}</style><p>ok</p>", "<p>ok</p>"),
        ('<img src=x onerror="alert(1)"><p>ok</p>', "<p>ok</p>"),
        ('<iframe src="https://evil.example"></iframe><p>ok</p>', "<p>ok</p>"),
        (
            '<p><a href="https://kuru.example/" title="KURU">KURU</a></p>',
            '<p><a href="https://kuru.example/" title="KURU">KURU</a></p>',
        ),
        ("<ul><li><strong>b</strong> <em>i</em></li></ul>", "<ul><li><strong>b</strong> <em>i</em></li></ul>"),
    ],
)
def test_sanitize_keeps_only_the_allowlist(dirty, clean):
    assert sanitize_html(dirty) == clean


def test_models_sanitize_on_save(db):
    author = make_author(bio_html='<p onmouseover="x()">Bio<script>bad()</script></p>')
    article = make_article(sections=1, faqs=1, intro_html="<p>Intro<style>*{}</style></p>", author=author)
    section = article.sections.get()
    section.body_html = '<p>Body</p><script>alert("x")</script>'
    section.save()
    faq = article.faqs.get()
    faq.answer_html = '<p><a href="javascript:x()">A</a></p>'
    faq.save()
    author.refresh_from_db()
    article.refresh_from_db()
    section.refresh_from_db()
    faq.refresh_from_db()
    assert author.bio_html == "<p>Bio</p>"
    assert article.intro_html == "<p>Intro</p>"
    assert section.body_html == "<p>Body</p>"
    assert faq.answer_html == "<p><a>A</a></p>"


ROUND_TRIP = [
    "Plain paragraph.",
    'Para with **bold**, *italic* and a [link](https://example.com/a?b=1&c=2 "Title").',
    "First paragraph.\n\nSecond paragraph with 25% & “quotes” — and ™.",
    "- one\n- two with **bold**\n- three",
    "1. first\n2. second",
    "- outer\n    - inner one\n    - inner two\n- after",
    "Literal *asterisks* are \\*kept\\* and under\\_scores and [brackets\\].",
    "2008\\. was a year, and # is not a heading.",
    "Mail [us](mailto:pr@example.com).",
]


@pytest.mark.parametrize("source", ROUND_TRIP)
def test_markdown_round_trip_is_stable(source):
    html = markdown_to_html(source)
    assert markdown_to_html(html_to_markdown(html)) == html


def test_raw_html_in_markdown_is_sanitized():
    assert (
        markdown_to_html("Hi <script>alert(1)</script> <b onclick=x>there</b>") == "<p>Hi  <strong>there</strong></p>"
    )
