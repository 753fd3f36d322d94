from urllib.parse import urlencode

from django import template

register = template.Library()

# Symbols for the currencies a feed is likely to use; any other is written after the amount ("89.99 CHF").
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}


@register.filter
def money(amount, currency="USD"):
    """`amount` as shoppers read it: $1,234.50, or 89.99 CHF for a currency without a symbol here."""
    if amount is None or amount == "":
        return ""
    text = f"{amount:,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


@register.simple_tag
def product_page_url(product, source_article="", placement=""):
    """The product page's address; from an article's card, with the article and card, for the Buy link to credit.

    The page cache leaves ?article= and ?placement= out of its key: one cached page per product.
    """
    url = product.get_absolute_url()
    return f"{url}?{urlencode({'article': source_article, 'placement': placement})}" if source_article else url
