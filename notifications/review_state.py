"""Where a case's review stands, as the services that move it need to know: its open review,
the decision waiting for a countersignature, the checklist with the reviewer's notes, and what
keeps it from being approved.

Part of the notifications core, so it never imports screening: the unadjudicated hits come from
``hooks.approval_hits_outstanding``, which screening answers. ``notifications.selectors`` (the
read side) offers these names to the pages too.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from notifications.hooks import approval_hits_outstanding
from notifications.models import ChecklistNote, Decision, DecisionKind, Notification, Review
from notifications.readiness import CHECKLIST_QUESTIONS, CHECKLIST_SIZE
from notifications.workflow import Status

#: Decisions that wait for a senior reviewer's countersignature.
PENDING_DECISION_KINDS = frozenset(
    {DecisionKind.APPROVE_FOR_COUNTERSIGN, DecisionKind.DENY_FOR_COUNTERSIGN}
)


def pending_decision(notification: Notification) -> Decision | None:
    """The proposed approval or denial a case awaiting countersignature waits on."""
    if notification.status != Status.AWAITING_COUNTERSIGN:
        return None
    return (
        Decision.objects.filter(notification=notification, kind__in=PENDING_DECISION_KINDS)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )


def open_review_for(notification: Notification) -> Review | None:
    return (
        Review.objects.filter(notification=notification, closed_at__isnull=True)
        .select_related("assignee")
        .first()
    )


#: How the reviewer's pages name the exporter's checklist answers.
CHECKLIST_ANSWER_LABELS = {"yes": _("Yes"), "no": _("No"), "unknown": _("Unknown")}
#: Answers a reviewer may annotate: the ones that keep a case from being clear.
CHECKLIST_NOTED_ANSWERS = frozenset({"no", "unknown"})


def checklist_rows(notification: Notification) -> list[dict]:
    """The 20 answers as filed, each with the reviewer's note on it (``None`` when there is
    none)."""
    answers = notification.checklist or {}
    notes = {
        note.number: note
        for note in ChecklistNote.objects.filter(notification=notification).select_related("author")
    }
    rows = []
    for number in range(1, CHECKLIST_SIZE + 1):
        answer = (answers.get(str(number)) or {}).get("answer", "")
        rows.append(
            {
                "number": number,
                "question": CHECKLIST_QUESTIONS[number - 1],
                "answer": answer,
                "answer_label": CHECKLIST_ANSWER_LABELS.get(answer, answer),
                "note": (answers.get(str(number)) or {}).get("note", ""),
                "reviewer_note": notes.get(number),
                "may_note": answer in CHECKLIST_NOTED_ANSWERS,
            }
        )
    return rows


@dataclass(frozen=True)
class Outstanding:
    """One thing that must be settled before a case may be approved, named so that the reviewer
    can find it on the page (``text``) and a client can act on it (``data``)."""

    kind: str  # "hit" | "checklist"
    text: str
    data: dict


def approval_outstanding(*, notification: Notification) -> list[Outstanding]:
    """What keeps ``notification`` from being approved: every hit of the newest completed
    screening run that no reviewer has adjudicated, and every checklist answer "unknown" that
    has no reviewer's note. Empty when an approval may go ahead."""
    # The hits are screening's: it answers through the hook (``screening.apps``).
    items = list(approval_hits_outstanding.collect(notification))
    for row in checklist_rows(notification):
        if row["answer"] == "unknown" and row["reviewer_note"] is None:
            items.append(
                Outstanding(
                    kind="checklist",
                    text=str(
                        _(
                            "checklist item %(number)s is answered “unknown” and has no "
                            "reviewer's note"
                        )
                        % {"number": row["number"]}
                    ),
                    data={"number": row["number"], "answer": row["answer"]},
                )
            )
    return items
