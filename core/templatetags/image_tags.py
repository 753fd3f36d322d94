from html import escape

from django import template
from django.utils.safestring import mark_safe

from core.images import SOURCE_TYPES, available_renditions, image_size

register = template.Library()


@register.simple_tag
def picture(image, alt, sizes="100vw", loading="lazy", width=None, css_class="", fetchpriority=""):
    """<picture> with AVIF, WebP and JPEG srcsets of the renditions the image's row records, sized to the original's
    aspect; a format not recorded yet (still being made) is left out.

    `loading="eager"` is for pictures above the fold; `width` sets the display width
    (an avatar's 48), the height follows the original's aspect. Without JPEG renditions
    the <img> shows the original. Neither a file nor the database is read.
    """
    if not image:
        return ""
    original_width, original_height = image_size(image)
    if width and original_width and original_height:
        width, height = int(width), round(int(width) * original_height / original_width)
    else:
        width, height = original_width, original_height
    found = available_renditions(image)
    source = "".join(
        f'<source type="{mime}" srcset="{_srcset(found[ext])}" sizes="{escape(sizes)}">'
        for ext, mime in SOURCE_TYPES.items()
        if found[ext]
    )
    attributes = [("class", css_class)] if css_class else []
    if found["jpg"]:
        attributes += [("src", found["jpg"][-1][0]), ("srcset", _srcset(found["jpg"])), ("sizes", sizes)]
    else:
        attributes.append(("src", image.url))
    attributes.append(("alt", alt))
    if width and height:
        attributes += [("width", width), ("height", height)]
    attributes += [("loading", loading), ("decoding", "async")]
    if fetchpriority:
        attributes.append(("fetchpriority", fetchpriority))
    # Plain string building, every value through html.escape() (what Django's escape() does):
    # format_html() per attribute cost half the tag's time, and a page has a dozen pictures.
    img = "".join(f' {name}="{escape(str(value))}"' for name, value in attributes)
    return mark_safe(f"<picture>{source}<img{img}></picture>")


def _srcset(renditions):
    return escape(", ".join(f"{url} {width}w" for url, width in renditions))
