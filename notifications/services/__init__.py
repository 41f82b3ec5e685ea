"""Every change of a notification's state: one service per move of ``ALLOWED_TRANSITIONS``.

Each service runs in one transaction: it locks the notification row, checks the source state and
the actor's role against the table, changes the row, writes the audit event, and schedules side
effects (screening, e-mail) to run only after the transaction commits.

Where each rule lives:

- ``lifecycle``: the exporter's moves (submit, respond, withdraw) and the screening worker's
  (start, clear, refer, reopen, a re-run's risk update);
- ``decisions``: the ministry's moves on a case (request information, approve, deny,
  countersign, return, conclude that no licence is required);
- ``decision_rules``: four eyes, a colleague's claim and the evidence an approval waits for;
- ``review_desk``: claim, release and assign a case, internal and checklist notes;
- ``inform_notices``: inform notices, from a case or on the ministry's own initiative;
- ``permits``: issue, suspend, revoke, reinstate and expire a permit;
- ``offers``: what pages and the API offer a user (the table narrowed by the case's facts);
- ``base``: what they share (begin and finish a move, the review's clock, locks and checks).

The names below are re-exported so that ``from notifications.services import …`` keeps working;
the product's own modules import from the module that holds the name.
"""

from notifications.services.base import INFORM_STATUSES
from notifications.services.decision_rules import (
    COUNTERSIGN_LEVELS,
    OutstandingItemsError,
    approval_check,
    approve_move_for,
    countersign_move_for,
    denial_check,
    denial_needs_countersignature,
    deny_move_for,
    needs_countersignature,
)
from notifications.services.decisions import (
    notification_approve,
    notification_conclude_no_licence,
    notification_countersign,
    notification_deny,
    notification_request_info,
    notification_return,
)
from notifications.services.inform_notices import (
    inform_notice_issue,
    notification_inform,
    prior_report_conclude_informed,
)
from notifications.services.lifecycle import (
    NotReadyError,
    ScreeningResult,
    notification_clear,
    notification_refer,
    notification_reopen,
    notification_respond,
    notification_start_screening,
    notification_submit,
    notification_update_risk,
    notification_withdraw,
)
from notifications.services.offers import (
    ACTION_OF_MOVE,
    FIRM_ACTIONS,
    available_actions,
    decisions_withheld_by_claim,
    firm_actions,
    offered_moves,
)
from notifications.services.permits import (
    DEFAULT_VALIDITY_MONTHS,
    permit_expire_due,
    permit_reinstate,
    permit_revoke,
    permit_suspend,
    permit_suspend_for_ban,
)
from notifications.services.review_desk import (
    checklist_note_record,
    notification_add_internal_note,
    review_assign,
    review_claim,
    review_release,
)

__all__ = [
    "ACTION_OF_MOVE",
    "COUNTERSIGN_LEVELS",
    "DEFAULT_VALIDITY_MONTHS",
    "FIRM_ACTIONS",
    "INFORM_STATUSES",
    "NotReadyError",
    "OutstandingItemsError",
    "ScreeningResult",
    "approval_check",
    "approve_move_for",
    "available_actions",
    "checklist_note_record",
    "countersign_move_for",
    "decisions_withheld_by_claim",
    "denial_check",
    "denial_needs_countersignature",
    "deny_move_for",
    "firm_actions",
    "inform_notice_issue",
    "needs_countersignature",
    "notification_add_internal_note",
    "notification_approve",
    "notification_clear",
    "notification_conclude_no_licence",
    "notification_countersign",
    "notification_deny",
    "notification_inform",
    "notification_refer",
    "notification_reopen",
    "notification_request_info",
    "notification_respond",
    "notification_return",
    "notification_start_screening",
    "notification_submit",
    "notification_update_risk",
    "notification_withdraw",
    "offered_moves",
    "permit_expire_due",
    "permit_reinstate",
    "permit_revoke",
    "permit_suspend",
    "permit_suspend_for_ban",
    "prior_report_conclude_informed",
    "review_assign",
    "review_claim",
    "review_release",
]
