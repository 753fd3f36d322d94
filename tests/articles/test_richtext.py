import pytest
from django_prose_editor.config import allowlist_from_extensions

from core.richtext import EDITOR_EXTENSIONS, allowlist, html_to_markdown, markdown_to_html, sanitize_html
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
        (
            '<blockquote cite="https://evil.example" class="x" onclick="x()"><p>Said.</p></blockquote>',
            "<blockquote><p>Said.</p></blockquote>",
        ),
        (
            "<figure><blockquote><p>Q</p></blockquote><figcaption>Who</figcaption></figure>",
            "<blockquote><p>Q</p></blockquote>Who",
        ),
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
    "> A quote.",
    "Before.\n\n> One paragraph.\n>\n> Another with **bold**.\n\nAfter.",
    "> - a quoted list\n> - of two",
    "> outer\n>\n> > inner",
    "- item\n\n    > quoted in an item\n\n- next item",
    "A literal \\> at the start is not a quote.",
]


@pytest.mark.parametrize("source", ROUND_TRIP)
def test_markdown_round_trip_is_stable(source):
    html = markdown_to_html(source)
    assert markdown_to_html(html_to_markdown(html)) == html


def test_raw_html_in_markdown_is_sanitized():
    assert (
        markdown_to_html("Hi <script>alert(1)</script> <b onclick=x>there</b>") == "<p>Hi  <strong>there</strong></p>"
    )


def test_the_editor_offers_exactly_what_the_sanitizer_keeps():
    """One configuration makes both: the tags nh3 keeps are the editor's extensions' tags, quotes included."""
    assert allowlist() == allowlist_from_extensions(EDITOR_EXTENSIONS)
    assert allowlist()["tags"] == {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote"}
    # Everything the editor can write survives a save unchanged.
    editor_html = (
        '<p>Text <strong>bold</strong> <em>it</em> <a href="https://kuru.example/">link</a><br>line</p>'
        '<ul><li><p>one</p></li></ul><ol start="3"><li><p>three</p></li></ol>'
        "<blockquote><p>Quoted <em>words</em>.</p><ul><li><p>and a list</p></li></ul></blockquote>"
    )
    assert sanitize_html(editor_html) == editor_html


def test_an_editor_quote_exports_to_markdown_and_back():
    html = "<p>Dr. Lee says:</p><blockquote><p>Walk <em>daily</em>.</p><p>Rest when it hurts.</p></blockquote>"
    markdown = html_to_markdown(html)
    assert markdown == "Dr. Lee says:\n\n> Walk *daily*.\n>\n> Rest when it hurts."
    assert markdown_to_html(markdown).replace("\n", "") == html
