"""One filing as an ERP makes it over the REST API, shared by the profile phase (Django test
client, in-process) and the API load phase (locust against gunicorn).

A filing is five requests: create the draft (header and checklist, with an ``Idempotency-Key``),
add an item, add a party, submit, read the status.
"""

from __future__ import annotations

import datetime

from notifications.readiness import CHECKLIST_SIZE

API = "/api/v1/notifications/"
QUEUE_API = "/api/v1/review/cases/"
#: The request types, in the order a filing makes them (the load report's rows).
STEPS = ("create", "add item", "add party", "submit", "status")


def header(n: int) -> dict:
    planned = datetime.date.today() + datetime.timedelta(days=60)
    return {
        "title": f"Machining centres for Siam Motor Works (order {n})",
        "destination_country": "TH",
        "end_use_description": "Machining of engine blocks in a passenger-car plant.",
        "end_use_category": "industrial",
        "planned_date": planned.isoformat(),
        "checklist": {str(i): {"answer": "yes", "note": ""} for i in range(1, CHECKLIST_SIZE + 1)},
    }


ITEM = {
    "kind": "goods",
    "description": "5-axis machining centre",
    "classification": "16_1",
    "hs_code": "8457.10",
    "quantity": "2",
    "unit": "units",
    "value_jpy": 48_000_000,
}

PARTY = {
    "role": "end_user",
    "name": "Siam Motor Works Co., Ltd.",
    "address": "99 Bangna-Trad Road, Bangkok",
    "country": "TH",
}

SUBMIT = {"declaration_accepted": True}


def plan_payloads() -> dict:
    """What the locustfile needs (it imports nothing of Django)."""
    return {
        "api": API,
        "queue_api": QUEUE_API,
        "header": header(0),
        "item": ITEM,
        "party": PARTY,
        "submit": SUBMIT,
    }
