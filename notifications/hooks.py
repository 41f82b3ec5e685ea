"""The moments of a notification's life that apps above the core react to (``exportctl.hooks``).

``notification_submitted(notification_id)`` is called by ``notification_submit`` inside its
transaction, after the move is audited; screening registers the queueing of its submission run
(``screening.apps.ScreeningConfig.ready``), which is sent once the transaction commits.
"""

from exportctl.hooks import Hook

notification_submitted = Hook("notification submitted")
