"""What the exporter is told while filing about screening's view of the draft: parties that look
listed, and the Russia/Belarus export bans the filing reaches. Shown, never stored.
"""

from django.contrib import messages
from django.utils import timezone
from django.utils.translation import gettext as _

from exportctl.countries import country_name
from notifications.models import Notification, Party
from partners.models import MeasureCategory
from screening.precheck import parties_precheck
from screening.services import russia_belarus_preview


def russia_belarus_warning(notification: Notification) -> dict | None:
    """What the exporter is told before submitting a filing that the Russia/Belarus export bans
    reach (the same facts the worker's rules read)."""
    exposure = russia_belarus_preview(notification, on=timezone.localdate())
    if exposure is None:
        return None

    def rows(pairs):
        return [
            {
                "position": item.position,
                "measure": measure.measure,
                "category": MeasureCategory(measure.category).label,
                "hs_prefix": measure.hs_prefix,
                "legal_basis": measure.legal_basis,
            }
            for item, measure in pairs
        ]

    return {
        "countries": ", ".join(f"{country_name(code)} ({code})" for code in exposure.countries),
        "parties": [f"{p.name} ({country_name(p.country)})" for p in exposure.parties],
        "banned": rows(exposure.banned),
        "possible": rows(exposure.possible),
    }


def parties_with_precheck(notification: Notification) -> list[Party]:
    """The draft's parties, each with ``listed_matches``: the published list entries it looks
    like (screening's own matching; see ``screening.precheck`` for why it is not stored)."""
    parties = list(notification.parties.order_by("position", "pk"))
    matches = parties_precheck(parties)
    for party in parties:
        party.listed_matches = matches.get(party.pk, ())
    return parties


def tell_of_listed_match(request, party: Party) -> None:
    """Said at once, on whatever page comes next, when a party just saved looks listed; the entry
    and the explanation are shown next to the party on the parties and review pages."""
    hits = parties_precheck([party]).get(party.pk, ())
    if hits:
        messages.warning(
            request,
            _(
                "%(party)s may be %(entry)s on the %(list)s. You can still submit: the ministry "
                "will review the match. The entry and how the name matched are shown next to the "
                "party."
            )
            % {"party": party.name, "entry": hits[0].entry.name, "list": hits[0].list.display_name},
        )
