"""A draft form posted twice, the second time naming as "new" a section row that now exists."""

from articles.models import ArticleDraft, ProductCard
from tests.articles.test_drafts import edit_draft, make_live


def test_posting_the_same_new_section_twice_gives_the_form_back_not_a_500(editor, db):
    article = make_live()
    assert edit_draft(editor, article).status_code == 302
    saved = ArticleDraft.objects.get(article=article).snapshot

    response = edit_draft(editor, article, title="Changed again")

    # The card's row names the third section as a new row, which it no longer is: the form comes
    # back with the card to place again, and the draft stays as it was.
    assert response.status_code == 200
    assert response.context_data["errors"]
    assert ArticleDraft.objects.get(article=article).snapshot == saved


def test_a_card_without_a_section_or_product_has_a_name():
    assert str(ProductCard()) == "No product (section not chosen yet)"
