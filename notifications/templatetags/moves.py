"""What a page offers is what the workflow's table allows (``notifications.workflow``).

``{% load moves %}``, then ``{% with actions=notification|firm_actions:request.user %}``: the
firm's actions on one filing (``offers.firm_actions``: "edit", "submit", "respond", "withdraw",
"copy"), for a page that lists many filings and so has no context per filing.
"""

from django import template

from notifications.services import offers

register = template.Library()


@register.filter
def firm_actions(notification, user) -> list[str]:
    return offers.firm_actions(notification, user)
