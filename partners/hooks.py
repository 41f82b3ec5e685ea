"""The moments of a list version's life that apps above partners react to (``exportctl.hooks``).

``list_version_published(list_version_id)`` is called by ``list_version_publish`` inside its
transaction when the new version applies today; screening registers the re-screen of open work
(``screening.apps.ScreeningConfig.ready``), which is queued once the transaction commits.
"""

from exportctl.hooks import Hook

list_version_published = Hook("list version published")
