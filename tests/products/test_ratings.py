import pytest
from django.core.management import call_command

from products.models import Product, Rating
from products.services import ratings_set_status
from tests.factories import make_product
from tests.markers import needs_postgresql

SEED = {
    "moment-womens-recovery-slide": (155, "4.70"),
    "atom-mens-athletic-sneaker-jet-black-white-fire-red": (1379, "4.60"),
    "quantum-2-0-womens-sneaker-pewter-night-sky": (761, "4.80"),
}


def test_demo_ratings_match_the_seed_exactly(demo):
    for slug, (count, average) in SEED.items():
        product = Product.objects.get(slug=slug)
        assert product.ratings.filter(status="approved").count() == product.rating_count == count
        assert f"{product.rating_average:.2f}" == average
    call_command("load_demo", stdout=open("/dev/null", "w"))  # idempotent
    assert Rating.objects.count() == 155 + 1379 + 761


def _aggregate(product):
    product.refresh_from_db()
    approved = list(product.ratings.filter(status="approved").values_list("stars", flat=True))
    expected = (len(approved), round(sum(approved) / len(approved), 2) if approved else 0)
    return (product.rating_count, float(product.rating_average)), (expected[0], float(expected[1]))


def _rate(product, stars, status="pending"):
    return Rating.objects.create(product=product, stars=stars, reviewer_name="R", status=status)


def test_aggregate_never_drifts_through_every_kind_of_change(db, admin_client):
    product = make_product(rating_count=0, rating_average=0)
    a, b, c = _rate(product, 5), _rate(product, 4), _rate(product, 1)
    stored, expected = _aggregate(product)
    assert stored == expected == (0, 0.0)  # pending ratings do not count
    a.status = "approved"
    a.save()
    assert _aggregate(product)[0] == (1, 5.0)
    # Bulk approve and reject in the admin.
    admin_client.post("/admin/products/rating/", {"action": "approve", "_selected_action": [b.pk, c.pk]})
    stored, expected = _aggregate(product)
    assert stored == expected == (3, 3.33)
    admin_client.post("/admin/products/rating/", {"action": "reject", "_selected_action": [c.pk]})
    stored, expected = _aggregate(product)
    assert stored == expected == (2, 4.5)
    # Delete one, then bulk delete through the admin.
    a.delete()
    assert _aggregate(product)[0] == (1, 4.0)
    admin_client.post(
        "/admin/products/rating/", {"action": "delete_selected", "_selected_action": [b.pk, c.pk], "post": "yes"}
    )
    stored, expected = _aggregate(product)
    assert stored == expected == (0, 0.0)


def test_service_updates_several_products_in_one_go(db):
    one, two = make_product(), make_product()
    ratings = [_rate(one, 5), _rate(two, 3), _rate(two, 5)]
    ratings_set_status(ratings=Rating.objects.filter(pk__in=[r.pk for r in ratings]), status="approved")
    assert _aggregate(one)[0] == (1, 5.0) and _aggregate(two)[0] == (2, 4.0)


def test_stars_are_limited_by_the_database(db):
    from django.db import IntegrityError, transaction

    product = make_product()
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.bulk_create([Rating(product=product, stars=6, reviewer_name="X")])


def test_product_page_shows_approved_written_reviews_only(client, db):
    product = make_product(slug="reviewed")
    Rating.objects.create(
        product=product,
        stars=5,
        reviewer_name="Ann",
        title="Love",
        text="Great heel cup.",
        status="approved",
        is_verified_purchase=True,
    )
    Rating.objects.create(product=product, stars=1, reviewer_name="Spam", text="Buy pills", status="pending")
    Rating.objects.create(product=product, stars=2, reviewer_name="Rex", text="Rejected text", status="rejected")
    html = client.get("/shop/reviewed/").content.decode()
    assert "Great heel cup." in html and "Verified buyer" in html
    assert "Buy pills" not in html and "Rejected text" not in html
    assert "(1) Ratings" in html


@needs_postgresql("concurrent transactions on real connections")
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_keep_the_aggregate_exact():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    product = make_product(rating_count=0, rating_average=0)
    ratings = [Rating.objects.create(product=product, stars=1 + i % 5, reviewer_name=f"R{i}") for i in range(40)]

    def approve(rating_id):
        try:
            ratings_set_status(ratings=Rating.objects.filter(pk=rating_id), status="approved")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(approve, [r.pk for r in ratings]))
    stored, expected = _aggregate(product)
    assert stored == expected == (40, 3.0)


GOOD_CSV = """product,external_id,stars,reviewer_name,title,text,verified,status,created_at
rated,r-1,5,Ann,Love them,Great heel cup.,yes,,2024-05-01T10:00:00Z
rated,r-2,3,Bob,,,no,approved,
rated,r-3,1,Cy,Spam,Buy pills,no,rejected,
"""


def test_import_ratings_and_reimport_without_duplicates(db, tmp_path):
    product = make_product(slug="rated", rating_count=0, rating_average=0)
    path = tmp_path / "ratings.csv"
    path.write_text(GOOD_CSV)
    call_command("import_ratings", path, stdout=open("/dev/null", "w"))
    assert _aggregate(product)[0] == (2, 4.0)
    first = Rating.objects.get(external_id="r-1")
    assert first.is_verified_purchase and first.created_at.year == 2024 and first.title == "Love them"
    path.write_text(GOOD_CSV.replace("rated,r-2,3,Bob", "rated,r-2,4,Bob"))
    call_command("import_ratings", path, stdout=open("/dev/null", "w"))
    assert Rating.objects.count() == 3 and _aggregate(product)[0] == (2, 4.5)


@pytest.mark.parametrize(
    "row, message",
    [
        ("nope,x,5,Ann,,,,,", ":3: unknown product 'nope'."),
        ("rated,,5,Ann,,,,,", ":3: external_id is empty"),
        ("rated,x,6,Ann,,,,,", ":3: stars must be a whole number from 1 to 5, not '6'."),
        ("rated,x,five,Ann,,,,,", ":3: stars must be a whole number from 1 to 5"),
        ("rated,x,5,,,,,,", ":3: reviewer_name: This field cannot be blank."),
        ("rated,x,5,Ann,,,maybe,,", ":3: verified must be yes or no"),
        ("rated,x,5,Ann,,,,hidden,", ":3: status: Value 'hidden' is not a valid choice."),
        ("rated,x,5,Ann,,,,,last tuesday", ":3: created_at 'last tuesday' is not an ISO date-time"),
        ("rated,r-1,4,Ann,,,,,", ":3: rating 'r-1' for rated appears already on line 2."),
    ],
)
def test_import_ratings_reports_the_bad_line_and_writes_nothing(db, tmp_path, row, message):
    from django.core.management import CommandError

    make_product(slug="rated", rating_count=0, rating_average=0)
    path = tmp_path / "ratings.csv"
    path.write_text(
        "product,external_id,stars,reviewer_name,title,text,verified,status,created_at\n"
        "rated,r-1,5,Ann,,,,,\n" + row + "\n"
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("import_ratings", path)
    assert message in str(excinfo.value)
    assert Rating.objects.count() == 0
