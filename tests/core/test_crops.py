"""Crops keep the focal point in the frame: the social image (1200×630), square product cards, article cards."""

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageDraw

from core.images import crop_box, rendition
from core.models import Image
from tests.factories import make_article


def picture_with_dot(size, dot, radius=30, fmt="JPEG") -> bytes:
    """A grey picture with a red dot centred at `dot` (fractions of the width and height)."""
    img = PILImage.new("RGB", size, (128, 128, 128))
    x, y = dot[0] * size[0], dot[1] * size[1]
    ImageDraw.Draw(img).ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 0, 0))
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, quality=95)
    return buffer.getvalue()


def red_pixels(img) -> int:
    red, green, blue = img.convert("RGB").split()
    mask = PILImage.eval(red, lambda v: 255 if v > 200 else 0)
    mask = PILImage.composite(mask, PILImage.new("L", img.size), PILImage.eval(green, lambda v: 255 if v < 80 else 0))
    mask = PILImage.composite(mask, PILImage.new("L", img.size), PILImage.eval(blue, lambda v: 255 if v < 80 else 0))
    return mask.histogram()[255]


@pytest.mark.parametrize(
    ("size", "target", "focal", "expected"),
    [
        ((2000, 1000), (1200, 630), (0.5, 0.5), (48, 0, 1952, 1000)),  # centre: what crops did before
        ((2000, 1000), (1, 1), (0.9, 0.3), (1000, 0, 2000, 1000)),  # clamped to the right edge
        ((2000, 1000), (1, 1), (0.1, 0.3), (0, 0, 1000, 1000)),  # clamped to the left edge
        ((2000, 1000), (1, 1), (0.4, 0.5), (300, 0, 1300, 1000)),  # centred on the point
        ((800, 2000), (1200, 630), (0.5, 0.2), (0, 190, 800, 610)),  # a portrait: a band around the point
        ((800, 2000), (1200, 630), (0.5, 1.0), (0, 1580, 800, 2000)),
    ],
)
def test_crop_box_is_centred_on_the_focal_point_and_stays_inside(size, target, focal, expected):
    box = crop_box(size, target, focal)
    assert box == expected
    left, top, right, bottom = box
    assert 0 <= left < right <= size[0] and 0 <= top < bottom <= size[1]
    assert abs((right - left) / (bottom - top) - target[0] / target[1]) < 0.01
    fx, fy = focal[0] * size[0], focal[1] * size[1]
    assert left <= fx <= right and top <= fy <= bottom


def test_the_social_image_keeps_a_subject_near_the_edge(db):
    data = picture_with_dot((3000, 1000), (0.92, 0.5))

    centred = rendition(data, 1200, 630, "renditions")
    around_dot = rendition(data, 1200, 630, "renditions", focal=(0.92, 0.5))

    with default_storage.open(centred) as file:
        assert red_pixels(PILImage.open(file)) == 0  # a centre crop cuts the subject off
    with default_storage.open(around_dot) as file:
        img = PILImage.open(file)
        assert img.size == (1200, 630)
        assert red_pixels(img) > 1000


def test_an_articles_social_image_follows_its_heros_focal_point(db):
    image = Image.objects.from_bytes(picture_with_dot((2400, 800), (0.05, 0.5)), "images", alt="A red ball.")
    image.focal_x, image.focal_y = 0.05, 0.5
    image.save()

    article = make_article(hero_image=image)

    with default_storage.open(article.social_image.name) as file:
        img = PILImage.open(file)
        assert img.size == (1200, 630)
        # The dot is at the picture's left edge: the crop is too, and keeps the whole dot.
        assert red_pixels(img.crop((0, 0, 100, 630))) > 500


@pytest.mark.parametrize("frame", [(1, 1), (16, 9)])
@pytest.mark.parametrize("focal", [(0.0, 0.0), (0.08, 0.5), (0.5, 0.5), (0.93, 0.81), (1.0, 1.0)])
def test_a_card_frame_shows_the_focal_point(frame, focal):
    """Cards crop with `object-fit: cover` and the image's focal_class (object-position: x% y%).

    A browser puts the picture's point at x% of its overflow: the visible window starts at
    x × (picture − frame), so the point x × picture is always inside it.
    """
    image = Image(file_width=2000, file_height=1000, focal_x=focal[0], focal_y=focal[1])
    classes = dict(part.split("-") for part in image.focal_class.split())
    position = (int(classes["fx"]) / 100, int(classes["fy"]) / 100)
    width, height = 2000, 1000
    scale = max(frame[0] / width, frame[1] / height) * 1000  # a frame 1000 units on its short side
    shown_w, shown_h = width * scale, height * scale
    frame_w, frame_h = frame[0] / min(frame) * 1000, frame[1] / min(frame) * 1000
    left = position[0] * (shown_w - frame_w)
    top = position[1] * (shown_h - frame_h)
    point_x, point_y = focal[0] * shown_w, focal[1] * shown_h
    assert left - 0.01 * shown_w <= point_x <= left + frame_w + 0.01 * shown_w
    assert top - 0.01 * shown_h <= point_y <= top + frame_h + 0.01 * shown_h
