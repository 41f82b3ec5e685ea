"""The benchmark's data: firms, users and notifications in a realistic mix of statuses, each with
its items, parties, screening run, review, decisions, permit and audit trail.

Fast by construction: rows are built in memory and written in batches (``COPY`` on PostgreSQL,
``bulk_create`` elsewhere), with
primary keys chosen up front (so foreign keys need no round trip) and the sequences moved past
them afterwards. Deterministic for a given ``rng_seed``.

History is written as it would have been recorded, not through the services (100,000 filings
through the services would take the whole time budget): statuses, references, review clocks and
permit numbers follow the same rules, and every change has its audit event, chained with the same
hash function as ``exportctl.audit.trail`` so that ``verify_audit`` still passes.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import functools
import io
import itertools
import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone
from stdnum.jp import cn as corporate_number

from exportctl.accounts.models import Firm, User
from exportctl.accounts.roles import Role
from exportctl.audit import trail
from exportctl.audit.chain import GENESIS_HASH, event_hash
from exportctl.audit.models import AuditEvent
from notifications import calendar
from notifications.documents import numbers
from notifications.models import (
    Decision,
    DecisionKind,
    DocumentCounter,
    DocumentKind,
    Item,
    Message,
    MessageKind,
    Notification,
    Party,
    Permit,
    PermitStatus,
    Review,
)
from notifications.readiness import CHECKLIST_SIZE
from notifications.workflow import (
    OPEN_STATUSES,
    OUTCOME_STATUSES,
    Actor,
    Move,
    Procedure,
    Status,
    TransitionError,
    check_state,
)
from partners import services as partner_services
from partners.data import EUL_2025_09
from partners.models import ListedEntry, ListVersion, ListVersionStatus
from screening import rules
from screening.models import Outcome, RunStatus, ScreeningRun, Trigger

BENCH_PASSWORD = "bench-password-2026"  # noqa: S105 - benchmark database only, never a real one
EMAIL_DOMAIN = "bench.example"
EUL_FILE = EUL_2025_09

_FILED = (Move.SUBMIT, Move.START_SCREENING)
_REFERRED = (*_FILED, Move.REFER)


class SeedError(Exception):
    """A history of the seed that is not a path of allowed moves: the seed refuses to run."""


@dataclass(frozen=True)
class Step:
    """One move of a history, as ``ALLOWED_TRANSITIONS`` defines it: from, to and who may make it."""

    move: Move
    source: Status
    target: Status
    roles: frozenset[str]


def walk(moves: tuple[Move, ...], *, procedure: str = Procedure.CATCH_ALL) -> tuple[Step, ...]:
    """The steps of ``moves`` made in order from the status a new filing starts in, each checked by
    the workflow's own ``check_state``: ``SeedError`` if one is not allowed where it is made."""
    status = Status(Notification._meta.get_field("status").default)
    steps = []
    for move in moves:
        try:
            transition = check_state(move, status=status, procedure=procedure)
        except TransitionError as exc:
            raise SeedError(f"{move.value} from {status.value}: {exc}") from exc
        steps.append(Step(move, status, transition.target, transition.roles))
        status = transition.target
    return tuple(steps)


@dataclass(frozen=True)
class History:
    """One kind of filing in the benchmark's mix: the moves it has made since it was a draft.

    Its statuses, and who made each move, are read from ``ALLOWED_TRANSITIONS`` by ``walk`` when
    the module is imported: a history that is not a path of allowed moves stops the seed before it
    writes anything. ``name`` is the status it ends in, unless given."""

    moves: tuple[Move, ...]
    #: Share of the mix, in percent.
    share: int
    #: How long ago (days) a notification of this history was created: (newest, oldest).
    age_days: tuple[int, int]
    #: The moves instead, when screening finds a risk that needs four eyes on the decision.
    four_eyes: tuple[Move, ...] | None = None
    name: str = ""
    #: The status a notification of this history is in.
    status: Status = field(init=False)
    steps: tuple[Step, ...] = field(init=False, repr=False)
    four_eyes_steps: tuple[Step, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        start = Status(Notification._meta.get_field("status").default)
        steps = walk(self.moves)
        four_eyes_steps = steps if self.four_eyes is None else walk(self.four_eyes)
        ends = {route[-1].target if route else start for route in (steps, four_eyes_steps)}
        if len(ends) != 1:
            raise SeedError(f"history {self.moves}: its routes end in {sorted(ends)}")
        status = ends.pop()
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "four_eyes_steps", four_eyes_steps)
        object.__setattr__(self, "status", status)
        if not self.name:
            object.__setattr__(self, "name", status.value)

    def route(self, level: str) -> tuple[Step, ...]:
        """The steps a notification of this history has made, at screening's risk ``level``."""
        return self.four_eyes_steps if level in FOUR_EYES_LEVELS else self.steps


#: The levels at which a decision is countersigned (``notifications.services.approve_move_for`` and
#: ``deny_move_for``; the seed's cases have no confirmed hit, and none is at prohibited risk).
FOUR_EYES_LEVELS = ("high",)

#: The mix. Open cases are recent; closed ones span three years. "approved_expired" is an older
#: approval whose permit ran out; "approved" still has a valid permit.
HISTORIES: tuple[History, ...] = (
    History((), 8, (0, 60)),
    History((*_FILED, Move.CLEAR), 25, (1, 1095)),
    History(_REFERRED, 6, (1, 25)),
    History((*_REFERRED, Move.REQUEST_INFO), 2, (5, 40)),
    History((*_REFERRED, Move.APPROVE_FOR_COUNTERSIGN), 1, (5, 30)),
    History(
        (*_REFERRED, Move.APPROVE),
        6,
        (15, 150),
        four_eyes=(*_REFERRED, Move.APPROVE_FOR_COUNTERSIGN, Move.COUNTERSIGN),
    ),
    History(
        (*_REFERRED, Move.APPROVE),
        22,
        (200, 1095),
        four_eyes=(*_REFERRED, Move.APPROVE_FOR_COUNTERSIGN, Move.COUNTERSIGN),
        name="approved_expired",
    ),
    History(
        (*_REFERRED, Move.DENY),
        10,
        (20, 1095),
        four_eyes=(*_REFERRED, Move.DENY_FOR_COUNTERSIGN, Move.COUNTERSIGN_DENIAL),
    ),
    History((*_REFERRED, Move.WITHDRAW), 20, (3, 1095)),
)
HISTORY = {history.name: history for history in HISTORIES}
#: Share of each history, in percent.
STATUS_MIX: tuple[tuple[str, int], ...] = tuple((h.name, h.share) for h in HISTORIES)
#: Probability of each optional party role (the end user is always there): 2.5 parties on average.
OPTIONAL_ROLES = (("consignee", 0.9), ("intermediary", 0.35), ("purchaser", 0.25))
#: Share of parties named after a listed entry of the End User List (so screening finds hits).
LISTED_PARTY_SHARE = 0.004

DESTINATIONS = (
    ("CN", 16),
    ("TH", 14),
    ("US", 12),
    ("VN", 8),
    ("KR", 8),
    ("TW", 8),
    ("DE", 6),
    ("IN", 6),
    ("MY", 5),
    ("SG", 5),
    ("ID", 4),
    ("MX", 3),
    ("AE", 3),
    ("TR", 2),
)
_PLACES = {
    "CN": ("Shenzhen", "Suzhou", "Dalian", "Ningbo", "Tianjin", "Chengdu"),
    "TH": ("Bangkok", "Chonburi", "Rayong", "Ayutthaya"),
    "US": ("Ohio", "Texas", "Carolina", "Pacific", "Midwest"),
    "VN": ("Hanoi", "Saigon", "Haiphong", "Dong Nai"),
    "KR": ("Seoul", "Busan", "Incheon", "Ulsan"),
    "TW": ("Taipei", "Hsinchu", "Taichung", "Kaohsiung"),
    "DE": ("Bayern", "Rhein", "Schwaben", "Sachsen"),
    "IN": ("Pune", "Chennai", "Bengaluru", "Gujarat"),
    "MY": ("Penang", "Selangor", "Johor"),
    "SG": ("Jurong", "Tuas", "Woodlands"),
    "ID": ("Jakarta", "Batam", "Surabaya"),
    "MX": ("Bajio", "Monterrey", "Queretaro"),
    "AE": ("Jebel Ali", "Sharjah", "Abu Dhabi"),
    "TR": ("Istanbul", "Bursa", "Izmir"),
}
_LEGAL_FORMS = {
    "US": "Inc.",
    "DE": "GmbH",
    "IN": "Pvt. Ltd.",
    "MX": "S.A. de C.V.",
    "AE": "FZE",
    "TR": "A.S.",
    "ID": "PT",
}
_STEMS = (
    "Pacific",
    "Golden",
    "Orient",
    "Delta",
    "Lotus",
    "Harbor",
    "Summit",
    "Jade",
    "Crown",
    "Nova",
    "Atlas",
    "Meridian",
    "Sunrise",
    "Evergreen",
    "Pioneer",
    "Horizon",
    "Vertex",
    "Apex",
    "Zenith",
    "Phoenix",
    "Silverline",
    "Bluewater",
    "Redstone",
    "Northstar",
    "Greenfield",
)
_TRADES = (
    "Precision Machinery",
    "Electronics",
    "Auto Parts",
    "Semiconductor",
    "Chemical",
    "Instruments",
    "Industrial",
    "Materials",
    "Trading",
    "Engineering",
    "Optics",
    "Robotics",
)
_CJK_STEMS = ("华", "东", "金", "海", "新", "天", "长", "盛", "鑫", "恒", "达", "丰")
_CJK_TRADES = ("精密机械", "电子", "科技", "化工", "仪器", "贸易")
#: (kind, description, classification, list_row, hs_code, unit, value_jpy)
ITEMS = (
    ("goods", "5-axis machining centre", "16_1", "", "8457.10", "units", 48_000_000),
    ("goods", "CNC lathe", "16_1", "", "8458.11", "units", 22_000_000),
    ("goods", "Industrial robot arm", "16_2", "", "8479.50", "units", 9_500_000),
    ("goods", "Digital oscilloscope, 1 GHz", "16_2", "", "9030.20", "units", 2_400_000),
    ("goods", "Multilayer ceramic capacitors", "16_2", "", "8532.24", "pcs", 1_800_000),
    ("goods", "Carbon fibre prepreg", "list", "4", "", "kg", 6_000_000),
    ("goods", "Frequency changer for motors", "list", "2", "", "units", 3_100_000),
    ("goods", "Laboratory centrifuge", "16_2", "", "8421.19", "units", 1_200_000),
    ("goods", "Stainless steel valves", "na", "", "8481.80", "pcs", 640_000),
    ("technology", "Process know-how for plating lines", "16_2", "", "", "set", 15_000_000),
    ("software", "CNC control software licence", "na", "", "", "licences", 800_000),
)
END_USES = (
    ("industrial", "Machining of engine blocks in a passenger-car plant."),
    ("industrial", "Production line for household appliances."),
    ("research", "University materials science laboratory."),
    ("energy", "Maintenance of a gas turbine power station."),
    ("medical", "Hospital equipment manufacturing."),
    ("telecommunications", "Base station assembly."),
    ("transport", "Railway rolling stock maintenance depot."),
    ("consumer", "Assembly of consumer electronics."),
)
FIRMS = 300
USERS_PER_FIRM = 3
REVIEWERS = 30
SENIOR_REVIEWERS = 5
BATCH = 5000


@dataclass
class SeedSummary:
    notifications: int = 0
    firms: int = 0
    users: int = 0
    items: int = 0
    parties: int = 0
    runs: int = 0
    reviews: int = 0
    decisions: int = 0
    permits: int = 0
    messages: int = 0
    audit_events: int = 0
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class Cast:
    """The people of the benchmark: who files for which firm, who reviews."""

    firm_ids: list[int]
    firm_exporters: dict[int, list[tuple[int, str]]]  # firm pk → [(user pk, e-mail)]
    reviewers: list[tuple[int, str]]
    seniors: list[tuple[int, str]]


# --- Lists and reference data ------------------------------------------------------------------


def seed_lists() -> ListVersion:
    """Reference data and the real End User List of 2025-09-29, imported and published through
    ``partners.services`` (idempotent: an already published copy is reused)."""
    partner_services.reference_data_load()
    published = ListVersion.objects.filter(
        source__code="meti-eul", status=ListVersionStatus.PUBLISHED
    ).first()
    if published is not None:
        return published
    with EUL_FILE.open("rb") as handle:
        version = partner_services.list_version_import(
            source_code="meti-eul",
            file=handle,
            file_name=EUL_FILE.name,
            actor=None,
            label="2025-09-29",
            issued_on=datetime.date(2025, 9, 29),
        )
    return partner_services.list_version_publish(version=version, actor=None)


# --- Helpers ---------------------------------------------------------------------------------


class _Row(SimpleNamespace):
    """One row to insert: its field values by attribute name (``pk`` for the primary key)."""


def _insert(model, rows: list[_Row]) -> None:
    """``COPY`` on PostgreSQL (a hundred times fewer round trips and no model instances);
    ``bulk_create`` elsewhere (the SQLite test database)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**vars(r)) for r in rows], batch_size=500)
        return
    first = vars(rows[0])
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and "pk" not in first and f.attname not in first)
    ]
    text = io.StringIO()
    for row in rows:
        values = vars(row)
        text.write(
            "\t".join(
                _copy_text(
                    values["pk"]
                    if f.primary_key and "pk" in values
                    else values[f.attname]
                    if f.attname in values
                    else f.get_default(),
                    f,
                )
                for f in fields
            )
        )
        text.write("\n")
    text.seek(0)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN", text
        )


def _copy_text(value, model_field) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(model_field, JSONField):
        value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    elif isinstance(value, bool):
        return "t" if value else "f"
    elif isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    value = str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


class _Ids:
    """Primary keys handed out up front, past whatever the table already holds."""

    def __init__(self, model) -> None:
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        self._next = (last or 0) + 1

    def take(self) -> int:
        value = self._next
        self._next += 1
        return value


@contextlib.contextmanager
def _explicit_timestamps(*models):
    """Write historical ``created_at``/``updated_at`` as given instead of "now"."""
    changed = []
    for model in models:
        for name in ("created_at", "updated_at", "date_joined"):
            with contextlib.suppress(Exception):
                f = model._meta.get_field(name)
                changed.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in changed:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _valid_corporate_number(n: int) -> str:
    body = f"{(n + 1) * 104_729 % 10**12:012d}"
    return corporate_number.calc_check_digit(body) + body


def _weighted(pairs, rng: random.Random):
    """A fast weighted choice over ``pairs`` of (value, weight)."""
    values = [v for v, _ in pairs]
    cumulative = list(itertools.accumulate(w for _, w in pairs))
    total = cumulative[-1]

    def choose():
        return values[bisect.bisect_right(cumulative, rng.random() * total)]

    return choose


def _party_name(country: str, rng: random.Random) -> tuple[str, str]:
    place = rng.choice(_PLACES.get(country, ("International",)))
    form = _LEGAL_FORMS.get(country, "Co., Ltd.")
    name = f"{rng.choice(_STEMS)} {place} {rng.choice(_TRADES)}"
    name = f"{form} {name}" if form == "PT" else f"{name} {form}"
    local = ""
    if country in ("CN", "TW") and rng.random() < 0.5:
        local = (
            rng.choice(_CJK_STEMS) + rng.choice(_CJK_STEMS) + rng.choice(_CJK_TRADES) + "有限公司"
        )
    return name, local


def _checklist() -> dict:
    return {str(n): {"answer": "yes", "note": ""} for n in range(1, CHECKLIST_SIZE + 1)}


# --- People ----------------------------------------------------------------------------------


def seed_people(*, firms: int, rng: random.Random, password_hash: str) -> Cast:
    groups = {g.name: g.pk for g in Group.objects.all()}
    firm_ids = _Ids(Firm)
    user_ids = _Ids(User)
    now = timezone.now()
    firm_rows, user_rows, memberships = [], [], []
    firm_exporters: dict[int, list[tuple[int, str]]] = {}
    reviewers, seniors = [], []
    base = Firm.objects.count()

    def user(email: str, name: str, firm_id: int | None, roles) -> int:
        pk = user_ids.take()
        user_rows.append(
            User(
                pk=pk,
                public_id=_uuid(rng),
                email=email,
                full_name=name,
                firm_id=firm_id,
                password=password_hash,
                date_joined=now,
                created_at=now,
                updated_at=now,
            )
        )
        memberships.extend(
            User.groups.through(user_id=pk, group_id=groups[role.value]) for role in roles
        )
        return pk

    for n in range(base, base + firms):
        pk = firm_ids.take()
        firm_rows.append(
            Firm(
                pk=pk,
                public_id=_uuid(rng),
                name=f"{rng.choice(_STEMS)} {rng.choice(_TRADES)} {n + 1} K.K.",
                name_local=f"{rng.choice(_CJK_STEMS)}{rng.choice(_CJK_STEMS)}精機{n + 1}株式会社",
                corporate_number=_valid_corporate_number(n),
                address=f"{n + 1}-1-1 Marunouchi, Chiyoda-ku, Tokyo",
                created_at=now,
                updated_at=now,
            )
        )
        people = []
        for k in range(USERS_PER_FIRM):
            email = f"exporter{n + 1}-{k + 1}@{EMAIL_DOMAIN}"
            roles = (Role.FIRM_ADMIN, Role.EXPORTER) if k == 0 else (Role.EXPORTER,)
            people.append((user(email, f"Exporter {n + 1}-{k + 1}", pk, roles), email))
        firm_exporters[pk] = people
    staff = User.objects.filter(firm__isnull=True, email__endswith=EMAIL_DOMAIN).count()
    for n in range(staff, staff + REVIEWERS):
        email = f"reviewer{n + 1}@{EMAIL_DOMAIN}"
        reviewers.append((user(email, f"Reviewer {n + 1}", None, (Role.REVIEWER,)), email))
    for n in range(staff, staff + SENIOR_REVIEWERS):
        email = f"senior{n + 1}@{EMAIL_DOMAIN}"
        roles = (Role.REVIEWER, Role.SENIOR_REVIEWER)
        seniors.append((user(email, f"Senior reviewer {n + 1}", None, roles), email))
    user(f"listmanager{staff + 1}@{EMAIL_DOMAIN}", "List manager", None, (Role.LIST_MANAGER,))
    user(f"auditor{staff + 1}@{EMAIL_DOMAIN}", "Auditor", None, (Role.AUDITOR,))
    with transaction.atomic(), _explicit_timestamps(Firm, User):
        Firm.objects.bulk_create(firm_rows, batch_size=1000)
        User.objects.bulk_create(user_rows, batch_size=1000)
        User.groups.through.objects.bulk_create(memberships, batch_size=1000)
    return Cast(
        firm_ids=[f.pk for f in firm_rows],
        firm_exporters=firm_exporters,
        reviewers=reviewers,
        seniors=seniors,
    )


# --- Notifications ---------------------------------------------------------------------------


class _Batch:
    """The rows of one batch of notifications, written together."""

    def __init__(self) -> None:
        self.notifications: list[_Row] = []
        self.items: list[_Row] = []
        self.parties: list[_Row] = []
        self.runs: list[_Row] = []
        self.reviews: list[_Row] = []
        self.decisions: list[_Row] = []
        self.permits: list[_Row] = []
        self.messages: list[_Row] = []
        #: (occurred_at, actor (pk, email) or None, action, object_type, object_id, firm pk, data)
        self.events: list[tuple] = []


#: The decision a reviewer's move leaves on the file (as ``notifications.services`` writes it).
_DECISION_OF = {
    Move.APPROVE: DecisionKind.APPROVE,
    Move.APPROVE_FOR_COUNTERSIGN: DecisionKind.APPROVE_FOR_COUNTERSIGN,
    Move.COUNTERSIGN: DecisionKind.COUNTERSIGN,
    Move.DENY: DecisionKind.DENY,
    Move.DENY_FOR_COUNTERSIGN: DecisionKind.DENY_FOR_COUNTERSIGN,
    Move.COUNTERSIGN_DENIAL: DecisionKind.DENY,
}
#: The moves that decide (or end) a referred case, at the time it is decided.
_DECIDING = frozenset({*_DECISION_OF, Move.WITHDRAW})


@dataclass
class _Case:
    """One notification while its history is written: where the story is, and who is in it."""

    n: _Row
    history: History
    exporter: tuple[int, str]
    event: object
    #: When the step being written happened.
    at: datetime.datetime | None = None
    claimed_at: datetime.datetime | None = None
    decided: datetime.datetime | None = None
    review: _Row | None = None
    reviewer: tuple[int, str] | None = None
    actors: dict = field(default_factory=dict)


class _Writer:
    def __init__(self, *, cast: Cast, listed: list[ListedEntry], version_id: int | None, rng):
        self.cast = cast
        self.listed = listed
        self.version_id = version_id
        self.rng = rng
        self.ids = {
            model: _Ids(model)
            for model in (Notification, Item, Party, ScreeningRun, Review, Decision, Permit)
        }
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.destination = _weighted(DESTINATIONS, rng)
        firm_weights = [(pk, 1 / (i + 1) ** 0.8) for i, pk in enumerate(cast.firm_ids)]
        self.firm = _weighted(firm_weights, rng)
        self.summary = SeedSummary()
        self.statuses: Counter = Counter()
        self.permit_serials: Counter = Counter()  # per year, as the permit counter counts

    # -- one notification --

    def add(self, batch: _Batch, history: History, created: datetime.datetime) -> None:
        rng = self.rng
        pk = self.ids[Notification].take()
        firm_id = self.firm()
        exporter = rng.choice(self.cast.firm_exporters[firm_id])
        destination = self.destination()
        end_use_category, end_use = rng.choice(END_USES)
        status = history.status
        n = _Row(
            pk=pk,
            public_id=_uuid(rng),
            firm_id=firm_id,
            created_by_id=exporter[0],
            status=status,
            title=f"{rng.choice(ITEMS)[1]} for {destination}",
            destination_country=destination,
            end_use_description=end_use,
            end_use_category=end_use_category,
            checklist=_checklist(),
            created_at=created,
            updated_at=created,
        )
        self.statuses[status] += 1
        for position in range(1, rng.choice((1, 1, 1, 2, 2, 3)) + 1):
            kind, desc, classification, row, hs, unit, value = rng.choice(ITEMS)
            batch.items.append(
                _Row(
                    pk=self.ids[Item].take(),
                    notification_id=pk,
                    position=position,
                    kind=kind,
                    description=desc,
                    classification=classification,
                    list_row=row,
                    hs_code=hs,
                    quantity=rng.choice((1, 2, 4, 10, 50)),
                    unit=unit,
                    value_jpy=value,
                    created_at=created,
                    updated_at=created,
                )
            )
        roles = ["end_user"] + [role for role, p in OPTIONAL_ROLES if rng.random() < p]
        for position, role in enumerate(roles, start=1):
            country = destination if role != "intermediary" else rng.choice(("SG", "AE", "HK"))
            kind = "organization"
            if self.listed and rng.random() < LISTED_PARTY_SHARE:
                entry = rng.choice(self.listed)
                name, local, country = (
                    entry.name[:300],
                    entry.local_name[:300],
                    entry.country or country,
                )
                kind = "person" if entry.kind == "person" else "organization"
            else:
                name, local = _party_name(country, rng)
            batch.parties.append(
                _Row(
                    pk=self.ids[Party].take(),
                    public_id=_uuid(rng),
                    notification_id=pk,
                    position=position,
                    role=role,
                    kind=kind,
                    name=name,
                    local_name=local,
                    address=f"{rng.randint(1, 999)} Industrial Road",
                    country=country,
                    created_at=created,
                    updated_at=created,
                )
            )
        batch.notifications.append(n)
        object_id = str(n.public_id)
        exporter_actor = exporter
        event = self._event_adder(batch, "notifications.notification", object_id, firm_id)
        event(created, exporter_actor, "notification.draft_created", {"fields": ["title"]})
        if history.moves:
            self._history(batch, n, history, exporter_actor, event)

    @staticmethod
    def _event_adder(batch: _Batch, object_type: str, object_id: str, firm_id: int):
        def add(at, actor, action, data, *, obj=None):
            o_type, o_id = obj if obj is not None else (object_type, object_id)
            batch.events.append((at, actor, action, o_type, o_id, firm_id, data))

        return add

    def _history(self, batch: _Batch, n: Notification, history: History, exporter, event) -> None:
        """Write the moves of ``history``, one step of the table after the other: each with its
        audit event (from, to, by an actor of a role the table names) and the rows it leaves."""
        rng = self.rng
        submitted = n.created_at + datetime.timedelta(hours=rng.uniform(1, 48))
        submitted = min(submitted, self.now - datetime.timedelta(minutes=30))
        screened = submitted + datetime.timedelta(seconds=rng.uniform(0.5, 3))
        if Move.REFER in history.moves:
            score = rng.randint(35, 95)
            level = "high" if score >= 70 else "elevated"
        else:
            score, level = rng.randint(0, 25), "low"
        n.risk_score, n.risk_level = score, level
        case = _Case(n=n, history=history, exporter=exporter, event=event)
        case.at = submitted
        decision = None
        for step in history.route(level):
            if step.move == Move.SUBMIT:
                n.submitted_at = n.declaration_accepted_at = submitted
                n.reference = f"EXN-{timezone.localdate(submitted):%Y}-{n.pk:07d}"
            elif step.move == Move.START_SCREENING:
                case.at = screened
            elif step.move in (Move.CLEAR, Move.REFER):
                self._run(batch, case, referred=step.move == Move.REFER)
            elif step.move == Move.REQUEST_INFO:
                self._request_info(batch, case)
            elif step.move in _DECIDING:
                case.at = self._decided(case)
                kind = _DECISION_OF.get(step.move)
                if kind is not None:
                    validity = {"validity_months": 6} if step.target == Status.APPROVED else {}
                    decision = self._decision(
                        batch, n, kind, self._actor(case, step), case.at, **validity
                    )
            else:
                raise SeedError(f"the seed does not write the rows of {step.move.value}")
            self._record(case, step)
            if step.target == Status.APPROVED:
                self._permit(batch, case, decision, self._actor(case, step))
        if case.review is not None and history.status not in OPEN_STATUSES:
            case.review.closed_at = case.review.updated_at = case.at
            n.decided_at = case.at
        elif history.status in OUTCOME_STATUSES:
            n.decided_at = n.updated_at = case.at

    def _actor(self, case: _Case, step: Step):
        """Who made ``step``: a user of a role the table names for it (None for the worker)."""
        if step.move not in case.actors:
            if Actor.SYSTEM in step.roles:
                actor = None
            elif step.roles & {Role.EXPORTER, Role.FIRM_ADMIN}:
                actor = case.exporter
            elif Role.REVIEWER in step.roles and case.reviewer is not None:
                actor = case.reviewer
            elif Role.SENIOR_REVIEWER in step.roles:
                actor = self.rng.choice(self.cast.seniors)
            else:
                raise SeedError(f"no one of the seed may {step.move.value} ({sorted(step.roles)})")
            case.actors[step.move] = actor
        return case.actors[step.move]

    def _record(self, case: _Case, step: Step) -> None:
        """The move's audit event, as ``notifications.services`` records it."""
        data = {"from": step.source, "to": step.target, "reference": case.n.reference}
        case.event(case.at, self._actor(case, step), f"notification.{step.move.value}", data)

    def _decided(self, case: _Case) -> datetime.datetime:
        """When the case was decided (or withdrawn): some days after it was claimed."""
        if case.decided is None:
            decided = case.claimed_at + datetime.timedelta(days=self.rng.uniform(1, 15))
            case.decided = min(decided, self.now - datetime.timedelta(minutes=1))
            case.n.updated_at = case.decided
        return case.decided

    def _run(self, batch: _Batch, case: _Case, *, referred: bool) -> None:
        """The submission's completed screening run; a referred case's review, maybe claimed."""
        n, rng = case.n, self.rng
        run = _Row(
            pk=self.ids[ScreeningRun].take(),
            public_id=_uuid(rng),
            notification_id=n.pk,
            list_version_id=self.version_id,
            ruleset_version=rules.RULESET_VERSION,
            trigger=Trigger.SUBMISSION,
            status=RunStatus.COMPLETED,
            score=n.risk_score,
            level=n.risk_level,
            outcome=Outcome.REVIEW if referred else Outcome.CLEARED,
            factors=[],
            finished_at=case.at,
            created_at=case.at,
            updated_at=case.at,
        )
        batch.runs.append(run)
        case.event(
            case.at,
            None,
            "screening.run_completed",
            {
                "notification": n.reference,
                "trigger": Trigger.SUBMISSION,
                "trigger_ref": "",
                "ruleset_version": rules.RULESET_VERSION,
                "score": n.risk_score,
                "level": n.risk_level,
                "outcome": run.outcome,
                "hits": 0,
                "new_hits": 0,
            },
            obj=("screening.screeningrun", str(run.public_id)),
        )
        if referred:
            self._review(batch, case, opened=case.at)

    def _review(self, batch: _Batch, case: _Case, *, opened) -> None:
        rng = self.rng
        n = case.n
        reviewer = case.reviewer = rng.choice(self.cast.reviewers)
        claimed = case.history.status not in OPEN_STATUSES or rng.random() < 0.6
        claimed_at = opened + datetime.timedelta(hours=rng.uniform(1, 30))
        claimed_at = min(claimed_at, self.now - datetime.timedelta(minutes=10))
        review = case.review = _Row(
            pk=self.ids[Review].take(),
            notification_id=n.pk,
            assignee_id=reviewer[0] if claimed else None,
            claimed_at=claimed_at if claimed else None,
            opened_at=opened,
            due_on=_due_date(timezone.localdate(opened)),
            created_at=opened,
            updated_at=opened,
        )
        batch.reviews.append(review)
        if claimed:
            case.event(
                claimed_at,
                reviewer,
                "review.claim",
                {"reference": n.reference, "assignee": reviewer[1]},
            )
        n.updated_at = claimed_at if claimed else opened
        # The reviewer's moves come after the claim (or, unclaimed, after the case was opened).
        case.claimed_at = claimed_at

    def _request_info(self, batch: _Batch, case: _Case) -> None:
        asked = case.claimed_at + datetime.timedelta(hours=2)
        asked = min(asked, self.now - datetime.timedelta(minutes=5))
        case.at = case.review.paused_at = case.n.updated_at = asked
        batch.messages.append(
            _Row(
                public_id=_uuid(self.rng),
                notification_id=case.n.pk,
                kind=MessageKind.QUESTION,
                author_id=case.reviewer[0],
                body="Please send the end-user pledge signed by the end user.",
                due_on=timezone.localdate(asked) + datetime.timedelta(days=14),
                created_at=asked,
                updated_at=asked,
            )
        )

    def _decision(self, batch, n, kind: str, actor, at, **extra) -> Decision:
        reason = (
            "" if kind.startswith("approve") or kind == DecisionKind.COUNTERSIGN else "See file."
        )
        decision = _Row(
            pk=self.ids[Decision].take(),
            public_id=_uuid(self.rng),
            notification_id=n.pk,
            kind=kind,
            actor_id=actor[0],
            reason=reason,
            created_at=at,
            updated_at=at,
            **extra,
        )
        batch.decisions.append(decision)
        return decision

    def _permit(self, batch: _Batch, case: _Case, decision, actor) -> None:
        """The approval's permit: valid for six months, expired if those have passed."""
        ref = case.n.reference
        decided = case.at
        valid_from = timezone.localdate(decided)
        valid_until = _add_months(valid_from, 6)
        expired = valid_until <= self.today
        permit = _Row(
            pk=self.ids[Permit].take(),
            public_id=_uuid(self.rng),
            notification_id=case.n.pk,
            decision_id=decision.pk,
            number=self._permit_number(valid_from.year),
            status=PermitStatus.EXPIRED if expired else PermitStatus.VALID,
            valid_from=valid_from,
            valid_until=valid_until,
            created_at=decided,
            updated_at=decided,
        )
        batch.permits.append(permit)
        case.event(
            decided,
            actor,
            "permit.issue",
            {"notification": ref, "valid_until": valid_until.isoformat()},
            obj=("notifications.permit", str(permit.public_id)),
        )
        if expired:
            expired_at = datetime.datetime.combine(
                valid_until, datetime.time(0, 5), tzinfo=timezone.get_current_timezone()
            )
            case.event(
                expired_at,
                None,
                "permit.expire",
                {"notification": ref, "number": permit.number},
                obj=("notifications.permit", str(permit.public_id)),
            )

    # -- writing --

    def _permit_number(self, year: int) -> str:
        self.permit_serials[year] += 1
        return numbers.document_number(
            DocumentKind.PERMIT, year=year, serial=self.permit_serials[year]
        )

    def write_counters(self) -> None:
        """The permit counters continue after the seeded permits, as if each had been granted."""
        for year, last in sorted(self.permit_serials.items()):
            DocumentCounter.objects.update_or_create(
                kind=DocumentKind.PERMIT, year=year, defaults={"last": last}
            )

    def write(self, batch: _Batch) -> None:
        with transaction.atomic():
            _insert(Notification, batch.notifications)
            _insert(Item, batch.items)
            _insert(Party, batch.parties)
            _insert(ScreeningRun, batch.runs)
            _insert(Review, batch.reviews)
            _insert(Decision, batch.decisions)
            _insert(Permit, batch.permits)
            _insert(Message, batch.messages)
            self._write_events(batch.events)
        s = self.summary
        s.notifications += len(batch.notifications)
        s.items += len(batch.items)
        s.parties += len(batch.parties)
        s.runs += len(batch.runs)
        s.reviews += len(batch.reviews)
        s.decisions += len(batch.decisions)
        s.permits += len(batch.permits)
        s.messages += len(batch.messages)
        s.audit_events += len(batch.events)

    @staticmethod
    def _write_events(events: list[tuple]) -> None:
        """Append the batch's events to the chain in time order, as ``trail.record`` would."""
        trail._lock_chain()  # the same lock as every other writer of the chain
        last = (
            AuditEvent.objects.filter(seq__isnull=False)
            .order_by("-seq")
            .only("seq", "hash")
            .first()
        )
        seq = last.seq if last else 0
        prev = last.hash if last else GENESIS_HASH
        rows = []
        for at, actor, action, object_type, object_id, firm_id, data in sorted(
            events, key=lambda e: e[0]
        ):
            seq += 1
            fields = {
                "seq": seq,
                "occurred_at": at,
                "actor_id": actor[0] if actor else None,
                "actor_label": actor[1] if actor else trail.SYSTEM_ACTOR,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "firm_id": firm_id,
                "data": data,
                "ip_address": None,
                "prev_hash": prev,
            }
            prev = event_hash(**fields)
            rows.append(_Row(**fields, hash=prev, created_at=at, updated_at=at))
        _insert(AuditEvent, rows)


@functools.cache
def _due_date(opened_on: datetime.date) -> datetime.date:
    return calendar.standard_due_date(opened_on)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        with contextlib.suppress(ValueError):
            return datetime.date(year, month, min(day.day, last))
    raise ValueError(day)


def _histories(count: int, rng: random.Random, now: datetime.datetime):
    """(history, created_at) for ``count`` notifications, oldest first, in exact proportions."""
    slots = [history for history, share in STATUS_MIX for _ in range(share)]
    rows = []
    for start in range(0, count, len(slots)):
        block = slots[:]
        rng.shuffle(block)
        for name in block[: count - start]:
            history = HISTORY[name]
            newest, oldest = history.age_days
            age = datetime.timedelta(days=rng.uniform(newest, oldest))
            rows.append((now - age - datetime.timedelta(hours=2), name))
    rows.sort()
    return [(HISTORY[name], created) for created, name in rows]


def seed_notifications(
    *, count: int, cast: Cast, rng: random.Random, batch_size: int = BATCH, progress=None
) -> SeedSummary:
    version = ListVersion.objects.filter(
        source__code="meti-eul", status=ListVersionStatus.PUBLISHED
    ).first()
    listed = list(ListedEntry.objects.filter(version=version).order_by("pk")) if version else []
    writer = _Writer(cast=cast, listed=listed, version_id=version.pk if version else None, rng=rng)
    histories = _histories(count, rng, writer.now)
    models = (Notification, Item, Party, ScreeningRun, Review, Decision, Permit, Message)
    with _explicit_timestamps(*models, AuditEvent):
        for start in range(0, count, batch_size):
            batch = _Batch()
            for history, created in histories[start : start + batch_size]:
                writer.add(batch, history, created)
            writer.write(batch)
            if progress:
                progress(writer.summary.notifications, count)
    writer.write_counters()
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [*models, Firm, User]):
            cursor.execute(statement)
    writer.summary.statuses = dict(writer.statuses)
    return writer.summary


def seed(*, notifications: int, firms: int = FIRMS, rng_seed: int = 2026, progress=None):
    """Everything the benchmark reads: lists, people and ``notifications`` filings."""
    started = timezone.now()
    rng = random.Random(rng_seed)
    seed_lists()
    cast = seed_people(firms=firms, rng=rng, password_hash=make_password(BENCH_PASSWORD))
    summary = seed_notifications(count=notifications, cast=cast, rng=rng, progress=progress)
    summary.firms = len(cast.firm_ids)
    summary.users = sum(len(v) for v in cast.firm_exporters.values()) + len(cast.reviewers)
    summary.users += len(cast.seniors) + 2
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum would have done on a live database
    summary.seconds = (timezone.now() - started).total_seconds()
    return summary, cast
