"""The moments of a notification's life that apps above the core react to, and the questions
the core asks them (``exportctl.hooks``). Screening registers its receivers in
``screening.apps.ScreeningConfig.ready``.

``notification_submitted(notification_id)`` is called by ``notification_submit`` inside its
transaction, after the move is audited; screening queues its submission run, which is sent once
the transaction commits.

``approval_hits_outstanding.collect(notification)`` asks what keeps an approval back besides the
checklist: screening answers with a ``review_state.Outstanding`` for every hit of the newest
completed run that no reviewer has adjudicated.
"""

from exportctl.hooks import Hook

notification_submitted = Hook("notification submitted")
approval_hits_outstanding = Hook("unadjudicated hits that keep an approval back")
