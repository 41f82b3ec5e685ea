"""Screening runs, as public steps shared by one case and a re-screen batch.

- ``compute``: a case's facts (notification, parties, items, reference data, published lists,
  inform notices) to a result — matching and rules, writing nothing.
- ``store``: the run key, the stale-run guard, eligibility, new hits, completion, hit rows and
  failure; one case inside the caller's transaction, or a batch's quiet runs in bulk.
- ``policy``: the workflow move a stored run leads to (clear, refer, reopen or none).

Clients: ``screening.services`` (one case: submission, a reviewer's re-run, a re-screen, and
``screening_run_store``, which stores a run and makes its move in one transaction) and
``screening.rescreen`` (a publication's batch). Neither imports the other's private names.
"""
