import re

import pytest
from django.test import Client

from products.models import Product, Rating
from tests.factories import make_product

SLUG = "rated-shoe"
PAGE = f"/shop/{SLUG}/"
REVIEW = f"/shop/{SLUG}/review/"


@pytest.fixture
def product(db):
    return make_product(slug=SLUG, name="Rated Shoe", rating_average="4.50", rating_count=1234)


def rating_data(**extra) -> dict:
    """The form as a shopper sends it: honeypot empty."""
    data = {
        "stars": "4",
        "title": "Kind to my heels",
        "text": "Wore them all day.",
        "reviewer_name": "Dana",
        "website": "",
    }
    data.update(extra)
    return data


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_product_page_has_an_accessible_rating_form_without_a_token(client, product):
    html = client.get(PAGE).content.decode()
    form = html.split('<form class="rating-form"')[1].split("</form>")[0]
    assert f'action="{REVIEW}"' in form and 'data-csrf-url="/newsletter/token/"' in form
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="">' in form
    assert "<fieldset" in form and "<legend>Your rating" in form
    assert form.count('type="radio" name="stars"') == 5
    for n in range(1, 6):
        assert f'<label for="rating-stars_{5 - n}">' in form
    for name in ("reviewer_name", "title", "text"):
        assert f'<label for="rating-{name}">' in form
    assert 'name="website"' in form and "signup-form__hp" in form
    assert "once our team has reviewed it" in html
    assert "csrf_form.js" in html


def test_a_rating_is_stored_pending_and_leaves_the_aggregate_alone(client, product):
    before = Product.objects.get(pk=product.pk)
    response = client.post(REVIEW, rating_data())
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?review=thanks#rate"
    rating = Rating.objects.get()
    assert (rating.product, rating.stars, rating.title, rating.text, rating.reviewer_name, rating.status) == (
        product,
        4,
        "Kind to my heels",
        "Wore them all day.",
        "Dana",
        Rating.Status.PENDING,
    )
    assert not rating.is_verified_purchase and rating.external_id == ""
    after = Product.objects.get(pk=product.pk)
    assert (after.rating_average, after.rating_count, after.updated_at) == (
        before.rating_average,
        before.rating_count,
        before.updated_at,
    )
    thanks = client.get(response["Location"]).content.decode()
    assert 'role="status">Thank you for your rating. It will appear here once our team has reviewed it.' in thanks
    assert '<form class="rating-form"' not in thanks


def test_a_pending_rating_does_not_start_a_new_page_cache_generation(
    client, product, page_cache, django_capture_on_commit_callbacks
):
    assert client.get(PAGE)["X-Page-Cache"] == "miss"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(REVIEW, rating_data())
    assert callbacks == []
    assert client.get(PAGE)["X-Page-Cache"] == "hit"


def test_the_honeypot_looks_like_success_and_stores_nothing(client, product):
    response = client.post(REVIEW, rating_data(website="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?review=thanks#rate"
    assert Rating.objects.count() == 0


@pytest.mark.parametrize("stars", ["", "0", "6", "four", "4.5"])
def test_stars_must_be_one_to_five_and_everything_typed_is_kept(client, product, stars):
    data = rating_data(stars=stars, title="Great <b>fit</b>", text="Line one\nLine two & more")
    response = client.post(REVIEW, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert '<p class="field-error" id="rating-stars-error">Choose from 1 to 5 stars.</p>' in html
    assert 'aria-describedby="rating-stars-error"' in html
    assert 'value="Great &lt;b&gt;fit&lt;/b&gt;"' in html  # kept, and escaped
    assert ">Line one\nLine two &amp; more</textarea>" in html
    assert 'value="Dana"' in html
    assert 'role="alert"' in html and "checked" not in html
    assert Rating.objects.count() == 0


def test_missing_name_and_long_text_are_reported_next_to_their_fields(client, product):
    response = client.post(REVIEW, rating_data(reviewer_name="", text="x" * 5001))
    html = response.content.decode()
    assert response.status_code == 400
    assert '<p class="field-error" id="rating-reviewer_name-error">Enter the name to show with your review.</p>' in html
    assert (
        'id="rating-reviewer_name" maxlength="80" value="" required autocomplete="nickname" aria-describedby="rating-reviewer_name-error" aria-invalid="true"'
        in html
    )
    assert "Keep the review to 5000 characters (it has 5001)." in html
    assert 'aria-describedby="rating-text-error rating-text-hint"' in html
    assert 'value="4" id="rating-stars_1" checked' in html  # the chosen stars are kept too
    assert Rating.objects.count() == 0


def test_rate_limit_per_client_keeps_what_was_typed(client, product, settings):
    settings.RATING_RATE_LIMIT_PER_HOUR = 2
    for _ in range(2):
        assert client.post(REVIEW, rating_data()).status_code == 302
    response = client.post(REVIEW, rating_data(text="My third go"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "You’ve sent several ratings in a short while. Please try again in an hour" in html
    assert ">My third go</textarea>" in html
    assert Rating.objects.count() == 2
    # Another client has its own allowance; no address is kept in the cache key.
    other = client.post(REVIEW, rating_data(), REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 302 and Rating.objects.count() == 3


def test_rate_limit_key_holds_no_address(client, product):
    from django.core.cache import caches

    client.post(REVIEW, rating_data(), REMOTE_ADDR="198.51.100.23")
    keys = [key for key in caches["limits"]._cache if "ratelimit:rating:" in key]
    assert len(keys) == 1 and "198.51.100.23" not in keys[0]


def test_csrf_is_enforced_and_a_post_without_token_gets_its_form_back(product):
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(PAGE)
    response = visitor.post(REVIEW, rating_data(title="Keep this title"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "press Send rating once more" in html and 'value="Keep this title"' in html
    assert Rating.objects.count() == 0
    again = visitor.post(REVIEW, rating_data(title="Keep this title", csrfmiddlewaretoken=_token(html)))
    assert again.status_code == 302 and Rating.objects.get().title == "Keep this title"


def test_a_forged_token_is_refused(product):
    visitor = Client(enforce_csrf_checks=True)
    visitor.get("/newsletter/token/")
    response = visitor.post(REVIEW, rating_data(csrfmiddlewaretoken="x" * 64))
    assert response.status_code == 403 and Rating.objects.count() == 0


def test_cached_product_page_carries_no_token_and_the_fetched_token_works(product, page_cache):
    one, two = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first = one.get(PAGE)
    second = two.get(PAGE)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert b'name="csrfmiddlewaretoken" value=""' in first.content
    assert not re.search(rb'name="csrfmiddlewaretoken" value="[^"]', first.content)
    assert "csrftoken" not in one.cookies and "csrftoken" not in two.cookies
    token = two.get("/newsletter/token/").json()["token"]
    assert two.post(REVIEW, rating_data(csrfmiddlewaretoken=token)).status_code == 302
    assert Rating.objects.filter(status=Rating.Status.PENDING).count() == 1


def test_rating_page_and_posts_are_never_cached(client, product, page_cache):
    response = client.get(REVIEW)
    assert response.status_code == 200 and "X-Page-Cache" not in response
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_inactive_or_missing_products_take_no_ratings(client, product):
    product.is_active = False
    product.save()
    assert client.post(REVIEW, rating_data()).status_code == 404
    assert client.post("/shop/no-such-shoe/review/", rating_data()).status_code == 404
    assert Rating.objects.count() == 0
