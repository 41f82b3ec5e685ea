from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def queue_submission_screening(notification_id: int) -> None:
    """A submitted notification is screened by the worker once the submission commits."""
    from screening.tasks import screen_notification

    screen_notification.delay_on_commit(notification_id)


def queue_publication_rescreen(list_version_id: int) -> None:
    """Open work is re-screened against a new list version once its publication commits."""
    from screening.tasks import rescreen_after_publication

    rescreen_after_publication.delay_on_commit(list_version_id)


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        # Screening sits above the notifications core and partners, which must not import it
        # (the import-linter contracts in pyproject.toml): it hooks itself onto their moves here,
        # which every process (web, worker, commands, tests) runs once the apps are loaded.
        # The tasks are imported when a hook fires, not here: importing them loads the matcher,
        # which a management command that never submits does not need.
        from notifications.hooks import approval_hits_outstanding, notification_submitted
        from partners.hooks import list_version_published
        from screening.selectors import outstanding_hits

        notification_submitted.register(queue_submission_screening)
        list_version_published.register(queue_publication_rescreen)
        approval_hits_outstanding.register(outstanding_hits)
