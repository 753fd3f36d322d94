"""The articles admin, one module per concern; importing this package registers them all."""

from .article import ArticleAdmin
from .richtext import RichTextFormField, RichTextMixin
from .supporting import AuthorAdmin, RedirectAdmin, TopicAdmin

__all__ = ["ArticleAdmin", "AuthorAdmin", "RedirectAdmin", "RichTextFormField", "RichTextMixin", "TopicAdmin"]
