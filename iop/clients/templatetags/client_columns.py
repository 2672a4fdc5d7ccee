"""`{% client_list_cell loaded client %}`: one cell of a column another app registered for the
client list (iop.clients.hooks), rendered with the page's context plus `client`, `column` and
`value` (the column loader's value for that client, or None)."""

from __future__ import annotations

from django import template

from iop.clients.hooks import LoadedColumn

register = template.Library()


@register.simple_tag(takes_context=True)
def client_list_cell(context, loaded: LoadedColumn, client) -> str:
    cell_template = context.template.engine.get_template(loaded.column.template)
    with context.push(client=client, column=loaded.column, value=loaded.values.get(client.pk)):
        return cell_template.render(context)
