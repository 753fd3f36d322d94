"""schema.org Product JSON-LD built from the same rows the page shows (the product and its variants)."""

from core.links import absolute_url

from .models import AVAILABILITY_RANK, SCHEMA_AVAILABILITY


def product_graph(product, variants=()) -> dict:
    """The Product, with one Offer per variant (an AggregateOffer around several), or one Offer from its price."""
    url = absolute_url(product.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "@id": url + "#product",
        "url": url,
        "name": product.display_name,
        "sku": product.slug,
        "brand": {"@type": "Brand", "name": "KURU Footwear"},
        "description": product.description,
        "category": product.get_category_display(),
    }
    images = [image.image for image in product.images.all()] or ([product.image] if product.image else [])
    if images:
        data["image"] = [absolute_url(image.url) for image in images]
    if product.colorway:
        data["color"] = product.colorway
    if product.rating_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": f"{product.rating_average:.1f}",
            "reviewCount": product.rating_count,
            "bestRating": "5",
            "worstRating": "1",
        }
    offers = [_offer(product, variant) for variant in variants]
    if len(offers) > 1:
        prices = [variant.current_price for variant in variants]
        best = min((variant.availability for variant in variants), key=AVAILABILITY_RANK.index)
        data["offers"] = {
            "@type": "AggregateOffer",
            "lowPrice": f"{min(prices):.2f}",
            "highPrice": f"{max(prices):.2f}",
            "priceCurrency": variants[0].currency,
            "offerCount": len(offers),
            "availability": SCHEMA_AVAILABILITY[best],
            "offers": offers,
        }
    elif offers:
        data["offers"] = offers[0]
    elif product.price is not None:
        data["offers"] = {
            "@type": "Offer",
            "price": f"{product.price:.2f}",
            "priceCurrency": product.currency,
            "availability": SCHEMA_AVAILABILITY.get(product.availability, "https://schema.org/InStock"),
            "url": product.shop_url,
        }
    return data


def _offer(product, variant) -> dict:
    offer = {
        "@type": "Offer",
        "sku": variant.sku or variant.offer_id,
        "price": f"{variant.current_price:.2f}",
        "priceCurrency": variant.currency,
        "availability": variant.schema_availability,
        "itemCondition": "https://schema.org/NewCondition",
        "url": variant.link,
        "name": " / ".join(part for part in (variant.colour, variant.size, variant.width) if part),
    }
    if variant.gtin:
        offer["gtin"] = variant.gtin
    if variant.sale_price is not None:
        # The regular price, for the search result's struck-through figure.
        offer["priceSpecification"] = {
            "@type": "UnitPriceSpecification",
            "priceType": "https://schema.org/StrikethroughPrice",
            "price": f"{variant.price:.2f}",
            "priceCurrency": variant.currency,
        }
    return offer
