"""The media library: one image per picture, its uses, alt text per use, the admin chooser and deletion."""

import io
import re

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse
from PIL import Image as PILImage

from articles.models import Section
from core.images import recorded_widths
from core.models import Image
from core.tasks import remove_image_files
from tests.factories import (
    image_bytes,
    image_file,
    make_article,
    make_author,
    make_image,
    make_product,
    make_product_image,
)


def test_the_same_bytes_are_one_library_image_in_any_folder(db):
    data = image_bytes(width=300, height=200, color=(10, 20, 30))
    first = Image.objects.from_bytes(data, "articles/hero", alt="A dark trail at dusk.")
    again = Image.objects.from_bytes(data, "products", alt="Another text.")
    other = Image.objects.from_bytes(image_bytes(width=300, height=200, color=(200, 20, 30)), "products")

    assert again.pk == first.pk
    assert other.pk != first.pk
    assert Image.objects.count() == 2
    assert again.alt == "A dark trail at dusk."  # the first default stays
    assert (first.file_width, first.file_height) == (300, 200)
    assert recorded_widths(first.file) == {"jpg": [160, 300], "webp": [160, 300], "avif": [160, 300]}


def test_an_upload_keeps_its_file_name_as_title_and_gets_renditions(db):
    image = Image(file=image_file("Knee_brace-side.jpg", width=700, height=400))
    image.save()

    assert image.title == "Knee brace side"
    assert re.fullmatch(r"images/[0-9a-f]{20}\.jpg", image.file.name)
    assert recorded_widths(image.file)["avif"] == recorded_widths(image.file)["jpg"] == [160, 320, 640, 700]


def test_uses_lists_every_row_showing_the_image(db):
    image = make_image(alt="A grey sneaker from the side.")
    author = make_author(avatar=image)
    article = make_article(author=author, sections=1, hero_image=image)
    section = article.sections.get()
    section.figure_image = image
    section.save()
    product = make_product(image=image)
    gallery = make_product_image(product, image=image)
    make_image(image_file(width=10, height=10))  # another image, unused

    assert set(image.uses()) == {author, article, section, product, gallery}


def test_each_use_may_say_the_alt_text_its_own_way(db):
    image = make_image(alt="A runner stretching a calf against a wall.")
    product = make_product(image=image, image_alt="")
    own = make_product(image=image, image_alt="The sneaker worn on a morning run.")

    assert product.image_alt_text == "A runner stretching a calf against a wall."
    assert own.image_alt_text == "The sneaker worn on a morning run."


def test_alt_text_is_checked_where_it_is_used(db):
    image = make_image(alt="")
    section = Section(heading="Stretch", figure_image=image, figure_alt="IMG_2041.jpg")
    with pytest.raises(Exception) as refused:
        section.full_clean(exclude=["article"])
    assert "looks like a file name" in str(refused.value)
    section.figure_alt = ""
    with pytest.raises(Exception) as refused:
        section.full_clean(exclude=["article"])
    assert "Alt text is required" in str(refused.value)
    image.alt = "A calf stretch against a wall."
    section.full_clean(exclude=["article"])  # the default describes it


def test_an_image_in_use_cannot_be_deleted(db, staff_client):
    image = make_image(alt="A grey sneaker from the side.")
    article = make_article(title="Heel pain guide", hero_image=image)

    with pytest.raises(ProtectedError):
        image.delete()
    response = staff_client.post(reverse("admin:core_image_delete", args=[image.pk]), {"post": "yes"})

    assert response.status_code == 200
    text = response.content.decode()
    assert "Cannot delete image" in text
    assert "Heel pain guide" in text
    assert Image.objects.filter(pk=image.pk).exists()
    article.hero_image = None
    article.save()
    response = staff_client.post(reverse("admin:core_image_delete", args=[image.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Image.objects.filter(pk=image.pk).exists()


def test_image_admin_shows_thumbnail_uses_and_focal_picker(db, staff_client):
    image = make_image(image_file(width=900, height=600), alt="A trail runner on scree.", title="Scree run")
    make_article(title="Trail shoes for scree", hero_image=image)

    listing = staff_client.get(reverse("admin:core_image_changelist")).content.decode()
    change = staff_client.get(reverse("admin:core_image_change", args=[image.pk])).content.decode()

    assert 'class="image-thumb' in listing and "Scree run" in listing
    assert "Trail shoes for scree" in change  # used in
    assert 'class="focal-picker"' in change
    assert 'name="focal_x"' in change and 'name="focal_y"' in change  # the no-JS fallback


def test_the_chooser_searches_title_and_alt_text_in_its_popup(db, staff_client):
    make_image(image_file(width=40, height=40, color=(1, 2, 3)), title="Beach", alt="Sandals on wet sand.")
    make_image(image_file(width=40, height=40, color=(9, 8, 7)), title="Forest", alt="Boots on a forest path.")
    url = reverse("admin:core_image_changelist")

    by_alt = staff_client.get(url, {"q": "wet sand", "_popup": "1", "_to_field": "id"}).content.decode()
    by_title = staff_client.get(url, {"q": "forest", "_popup": "1", "_to_field": "id"}).content.decode()

    assert "Beach" in by_alt and "Forest" not in by_alt
    assert "Forest" in by_title and "Beach" not in by_title
    assert "data-popup-opener" in by_alt  # a click picks the image
    assert "Add image" in by_alt  # upload from within the chooser


def test_the_chooser_widget_shows_the_chosen_image(db, staff_client):
    image = make_image(image_file(width=400, height=300), alt="A knee brace.", title="Knee brace")
    article = make_article(hero_image=image)

    page = staff_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    preview = staff_client.get(reverse("admin:core_image_chooser_preview", args=[image.pk]))

    assert 'class="image-chooser"' in page
    assert "Choose or upload an image" in page
    assert f'value="{image.pk}"' in page
    assert "Knee brace" in page
    assert preview.status_code == 200 and "Knee brace" in preview.content.decode()


def test_the_chooser_preview_needs_permission(db, client, django_user_model):
    image = make_image()
    url = reverse("admin:core_image_chooser_preview", args=[image.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(django_user_model.objects.create_user("nobody", "n@example.com", "pw", is_staff=True))
    assert client.get(url).status_code == 403


def test_uploading_in_the_chooser_popup_hands_the_new_image_back(db, staff_client):
    response = staff_client.post(
        reverse("admin:core_image_add") + "?_popup=1&_to_field=id",
        {
            "file": image_file("calf-stretch.jpg", width=320, height=200),
            "title": "",
            "alt": "A calf stretch against a wall.",
            "credit": "",
            "focal_x": "",
            "focal_y": "",
            "_popup": "1",
            "_to_field": "id",
        },
    )

    image = Image.objects.get()
    assert response.status_code == 200
    assert "data-popup-response" in response.content.decode()
    # Handed to the chooser's dialog (or Django's popup window) by the library's own script.
    assert "admin/js/image_chooser_response.js" in response.content.decode()
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert image.title == "calf stretch"
    assert image.alt == "A calf stretch against a wall."


def test_an_upload_with_a_long_file_name_is_kept_under_a_shortened_name(db, staff_client):
    long_name = "summer-campaign-" + "x" * 140 + ".jpg"
    response = staff_client.post(
        reverse("admin:core_image_add"),
        {"file": image_file(long_name, width=120, height=80), "alt": "A trail shoe on a rock.", "title": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    image = Image.objects.get()
    # Stored under its content's name; the title keeps the first 96 characters of the original one.
    assert image.file.name.endswith(".jpg") and "summer" not in image.file.name
    assert image.title == ("summer campaign " + "x" * 140)[:96]


def test_uploading_a_picture_already_in_the_library_is_refused(db, staff_client):
    existing = make_image(image_file(width=50, height=50, color=(5, 5, 5)), title="Black square")
    response = staff_client.post(
        reverse("admin:core_image_add"),
        {"file": image_file("copy.jpg", width=50, height=50, color=(5, 5, 5)), "alt": "", "title": ""},
    )
    assert response.status_code == 200
    assert f"as “Black square” (number {existing.pk})" in response.content.decode()
    assert Image.objects.count() == 1


def test_one_image_as_figure_and_hero_with_different_alt_texts(db, client):
    image = make_image(image_file(width=1600, height=900), alt="A runner on a forest trail.")
    hero_article = make_article(title="Trail running", hero_image=image, hero_alt="Trail running in spring.")
    figure_article = make_article(title="Knees", sections=1)
    section = figure_article.sections.get()
    section.figure_image, section.figure_alt = image, "The same trail, seen by a knee doctor."
    section.save()

    hero_page = client.get(hero_article.get_absolute_url()).content.decode()
    figure_page = client.get(figure_article.get_absolute_url()).content.decode()

    assert 'alt="Trail running in spring."' in hero_page
    assert 'alt="The same trail, seen by a knee doctor."' in figure_page
    assert recorded_widths(image.file)["webp"][-1] == 1600
    stem = image.file.name.rsplit(".", 1)[0]
    assert f"renditions/{stem}-1600w.webp" in hero_page and f"renditions/{stem}-1600w.webp" in figure_page


def test_a_new_focal_point_crops_the_social_image_again(db, staff_client):
    buffer = io.BytesIO()
    # A gradient from left to right: crops at different places differ.
    PILImage.linear_gradient("L").rotate(90).resize((2400, 900)).convert("RGB").save(buffer, format="JPEG")
    image = Image.objects.from_bytes(buffer.getvalue(), "images", alt="A wall fading from dark to light.")
    article = make_article(hero_image=image)
    centred = article.social_image.name

    response = staff_client.post(
        reverse("admin:core_image_change", args=[image.pk]),
        {"title": image.title, "alt": image.alt, "credit": "", "focal_x": "0.9", "focal_y": "0.5"},
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.social_image_source.endswith("#0.9000,0.5000")
    assert article.social_image.name != centred


def _stored_files(media_root) -> set[str]:
    return {str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file()}


def test_deleting_an_image_removes_its_files_once_the_deletion_commits(
    db, staff_client, settings, django_capture_on_commit_callbacks
):
    image = make_image(image_file(width=700, height=400, color=(40, 90, 30)), alt="A green field.")
    other = make_image(image_file(width=200, height=100, color=(90, 40, 30)), alt="A red field.")
    before = _stored_files(settings.MEDIA_ROOT)
    own = {name for name in before if image.file.name.rsplit(".", 1)[0] in name}
    assert len(own) == 1 + 4 * 3  # the original, 4 widths in JPEG, WebP and AVIF

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(reverse("admin:core_image_delete", args=[image.pk]), {"post": "yes"})
        assert response.status_code == 302
        assert _stored_files(settings.MEDIA_ROOT) == before  # not before the deletion commits

    for callback in callbacks:
        callback()
    assert _stored_files(settings.MEDIA_ROOT) == before - own
    assert other.file.name in before - own


def test_a_deletion_that_rolls_back_keeps_the_files(db, settings, django_capture_on_commit_callbacks):
    image = make_image(alt="A grey sneaker from the side.")
    pk, before = image.pk, _stored_files(settings.MEDIA_ROOT)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            image.delete()
            raise RuntimeError("the rest of the change failed")

    assert callbacks == []
    assert Image.objects.filter(pk=pk).exists()
    assert _stored_files(settings.MEDIA_ROOT) == before


def test_files_an_image_row_holds_again_are_kept(db, settings, django_capture_on_commit_callbacks):
    """Deleted, then the same picture uploaded again before the deletion's files go: the new row keeps them."""
    data = image_bytes(width=400, height=300, color=(1, 100, 200))
    image = Image.objects.from_bytes(data, "images", alt="A blue wall.")
    before = _stored_files(settings.MEDIA_ROOT)

    with django_capture_on_commit_callbacks(execute=True):
        image.delete()
        again = Image.objects.from_bytes(data, "images", alt="A blue wall, again.")

    assert again.file.name == image.file.name
    assert _stored_files(settings.MEDIA_ROOT) == before
    assert remove_image_files.call(again.file.name, 400) == []  # and a late task run deletes nothing


def test_deleting_an_image_removes_its_files_from_the_bucket(s3_media, db, django_capture_on_commit_callbacks):
    image = make_image(image_file(width=500, height=300, color=(7, 7, 70)), alt="A navy sock.")
    keep = make_image(image_file(width=50, height=30, color=(70, 7, 7)), alt="A red sock.")
    assert image.file.name in s3_media.keys() and len(s3_media.keys()) == (1 + 3 * 3) + (1 + 1 * 3)

    with django_capture_on_commit_callbacks(execute=True):
        Image.objects.filter(pk=image.pk).delete()

    assert s3_media.keys() == {keep.file.name, *(k for k in s3_media.keys() if keep.file.name[:-4] in k)}
    assert len(s3_media.keys()) == 1 + 1 * 3


def test_only_the_librarys_popup_pages_may_be_framed_and_only_by_this_site(db, staff_client):
    """The chooser's dialog frames the library's popup pages (list and upload form); nothing else is framed."""
    article = make_article()
    popup = {"_popup": "1", "_to_field": "id"}
    framed = [
        staff_client.get(reverse("admin:core_image_changelist"), popup),
        staff_client.get(reverse("admin:core_image_add"), popup),
    ]
    unframed = [
        staff_client.get(reverse("admin:core_image_changelist")),
        staff_client.get(reverse("admin:core_image_add")),
        staff_client.get(reverse("admin:articles_article_change", args=[article.pk]), popup),
    ]
    for response in framed:
        assert response["X-Frame-Options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" not in response["Content-Security-Policy"]
    for response in unframed:
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
