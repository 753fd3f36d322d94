"""schema.org Product JSON-LD built from the same numbers the page shows."""

from core.links import absolute_url


def product_graph(product) -> dict:
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
    if product.image:
        data["image"] = [absolute_url(product.image.url)]
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
    if product.price is not None:
        data["offers"] = {
            "@type": "Offer",
            "price": f"{product.price:.2f}",
            "priceCurrency": "USD",
            "availability": "https://schema.org/InStock",
            "url": product.shop_url,
        }
    return data
