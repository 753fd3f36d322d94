"""Kept for the migrations that name `articles.images.validate_image_file`.

The image pipeline lives in core/images.py. Django serializes a field's
validators by import path, so this path must keep working for as long as a
migration refers to it (Django's "Historical models" documentation).
"""

from core.images import validate_image_file  # noqa: F401
