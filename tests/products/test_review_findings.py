"""What a review of the storefront found: report date edges, staff clicks, line breaks in reviews."""

import pytest

from products.models import Click
from tests.factories import make_article, make_product

REPORT = "/admin/products/click/report/"


@pytest.mark.parametrize(
    "params",
    [{"start": "9999-12-01", "end": "9999-12-31"}, {"end": "0001-01-05"}],
    ids=["far-future-end", "year-one-end-default-start"],
)
def test_extreme_dates_get_a_message_not_a_500(admin_client, db, params):
    response = admin_client.get(REPORT, params)
    assert response.status_code == 400 and "between 2000 and 2099" in response.content.decode()


def test_staff_clicks_are_not_counted_like_staff_views(admin_client, db):
    article = make_article(title="Knee pain")
    product = make_product()
    admin_client.get(
        f"/go/{product.slug}/",
        {"article": article.slug, "placement": "card-1"},
        HTTP_USER_AGENT="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15",
    )
    assert not Click.objects.filter(is_bot=False).exists()


def test_a_review_keeps_its_line_breaks_and_stays_escaped(client, db):
    from products.models import Rating

    product = make_product()
    Rating(
        product=product,
        stars=5,
        reviewer_name="Ann",
        status=Rating.Status.APPROVED,
        text="First paragraph.\nSecond <b>line</b>.",
    ).save()
    html = client.get(product.get_absolute_url()).content.decode()
    assert "First paragraph.<br>Second &lt;b&gt;line&lt;/b&gt;." in html
