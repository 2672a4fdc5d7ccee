"""`{% client_panel loaded %}`: one panel another app registered for the client page
(iop.clients.hooks), rendered with the page's context plus the panel's loaded one — like an
`{% include %}` whose template and variables come from the registration."""

from __future__ import annotations

from django import template

from iop.clients.hooks import LoadedPanel

register = template.Library()


@register.simple_tag(takes_context=True)
def client_panel(context, loaded: LoadedPanel) -> str:
    panel_template = context.template.engine.get_template(loaded.panel.template)
    with context.push(panel=loaded.panel, **loaded.context):
        return panel_template.render(context)
