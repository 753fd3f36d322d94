"""Post an admin change form back the way a browser would: every field as rendered, then the test's edits."""

import importlib

from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth.models import Group, Permission


def staff_user(django_user_model, username, group):
    if not Group.objects.filter(name=group).exists():
        # A transactional test flushed the migrated groups: make them again, as the migration does.
        importlib.import_module("articles.migrations.0008_editorial_groups").add_groups(Group, Permission)
        importlib.import_module("articles.migrations.0014_writing_comfort").add_writer_permissions(Group, Permission)
        importlib.import_module("articles.migrations.0016_move_images").add_image_permissions(Group, Permission)
    user = django_user_model.objects.create_user(username, f"{username}@example.com", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def _fields(form):
    data = {}
    for bound in form:
        if bound.field.disabled:
            continue
        widget = bound.field.widget
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget = widget.widget
        context = widget.get_context(bound.html_name, bound.value(), {})["widget"]
        for widget in context.get("subwidgets") or [context]:
            value = widget["value"]
            if widget.get("type") == "checkbox":
                if widget.get("attrs", {}).get("checked"):
                    data[widget["name"]] = "on"
            elif widget.get("type") == "file":
                continue
            elif isinstance(value, list):
                data[widget["name"]] = [v for v in value if v not in (None, "")]
            else:
                data[widget["name"]] = "" if value is None else value
    return data


def form_data(response):
    """The POST data of the admin change form in `response` (a GET of the change or revision page)."""
    context = response.context
    data = _fields(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_fields(formset.management_form))
        for form in formset.forms:
            data.update(_fields(form))
    return data


def rows(data, prefix):
    """The inline rows of `prefix` in data, as {index: {field: value}}."""
    found = {}
    for key, value in data.items():
        if key.startswith(f"{prefix}-") and key.split("-")[1].isdigit():
            _, index, field = key.split("-", 2)
            found.setdefault(int(index), {})[field] = value
    return found
