from django import template

from core import dashboard

register = template.Library()


@register.inclusion_tag("admin/includes/dashboard.html", takes_context=True)
def editor_dashboard(context):
    """The dashboard blocks (core/dashboard.py) the viewer may open."""
    return {"blocks": dashboard.blocks_for(context["request"])}
