from django import template
from django.utils.html import format_html, format_html_join

from articles.images import available_renditions, image_size

register = template.Library()


@register.simple_tag
def picture(image, alt, sizes="100vw", loading="lazy", width=None, css_class="", fetchpriority=""):
    """<picture> with WebP and JPEG srcsets of the renditions that exist, sized to the original's aspect.

    `loading="eager"` is for pictures above the fold; `width` sets the display width
    (an avatar's 48), the height follows the original's aspect. Without renditions
    the original is shown, so a missing file never breaks the page.
    """
    if not image:
        return ""
    original_width, original_height = image_size(image)
    if width and original_width and original_height:
        width, height = int(width), round(int(width) * original_height / original_width)
    else:
        width, height = original_width, original_height
    found = available_renditions(image)
    source = ""
    if found["webp"]:
        source = format_html('<source type="image/webp" srcset="{}" sizes="{}">', _srcset(found["webp"]), sizes)
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
    img = format_html("<img{}>", format_html_join("", ' {}="{}"', attributes))
    return format_html("<picture>{}{}</picture>", source, img)


def _srcset(renditions):
    return ", ".join(f"{url} {width}w" for url, width in renditions)
