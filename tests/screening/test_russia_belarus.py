"""Russia and Belarus: the export bans (domain.md §2a), table-driven.

Each case is decided twice: by ``rules.evaluate`` on the seeded reference data, and through the
real submit path (``notification_submit`` → task after commit → worker → ``ScreeningRun`` →
the notification's status). Each expected outcome names its legal basis.
"""

from __future__ import annotations

import dataclasses
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from exportctl.accounts.roles import Role
from exportctl.audit.models import AuditEvent
from notifications.models import Item, Notification, Party
from notifications.services import notification_submit
from notifications.templatetags.display import reference_text
from notifications.workflow import Status
from partners import reference_data as ref
from partners.importers import measures_csv
from partners.models import (
    CountryTier,
    ListVersionStatus,
    MeasureRow,
    MeasureTableVersion,
    Tier,
)
from partners.selectors import measure_table_in_force
from partners.services import (
    ListImportError,
    ListVersionStateError,
    measure_table_import,
    measure_table_publish,
    reference_data_load,
)
from screening import rules
from screening.models import RunStatus, ScreeningRun
from screening.rules import ItemFacts, MeasureFacts, PartyFacts, ScreeningContext, evaluate
from tests.factories import ExporterFactory, UserFactory, full_checklist, ready_notification
from tests.screening.test_services import EUL_SAMPLE, publish_eul

ON = datetime.date(2026, 6, 5)

# --- The cases ---------------------------------------------------------------------------------

MACHINE_TOOL = {"kind": "goods", "classification": "16_1", "hs_code": "8457.10"}
COMPUTER = {"kind": "goods", "classification": "16_2", "hs_code": "8471.30"}
OSCILLOSCOPE = {"kind": "goods", "classification": "16_1", "hs_code": "9030.20"}
BEARINGS = {"kind": "goods", "classification": "16_2", "hs_code": "8482.10"}
LISTED_ELECTRONICS = {"kind": "goods", "classification": "list", "list_row": "7"}
LISTED_TECHNOLOGY = {"kind": "technology", "classification": "list", "list_row": "9"}

BASIS_INDUSTRIAL = "FEFTA Art. 48(3); industrial-base goods to RU from 2023-04-07 (HS unconfirmed)"
BASIS_DUAL_USE = "FEFTA Art. 48(3); general-purpose goods to RU/BY, ordinance of 2022-03-15"
BASIS_LIST = "FEFTA Art. 48(3); regime-list goods and technology to RU/BY from 2022-03-18"
BASIS_INVOLVED = "FEFTA Art. 48(3); domain.md §2a: a filing with RU/BY is never cleared"
BASIS_DIVERSION = "Export Order Appended Table 2-4; domain.md §2a"
BASIS_GROUP_A = "Export Order Appended Table 3; catch-all circular (domain.md §10.5)"

#: (id, destination, item, parties as (role, name, country), level, outcome, rules that must
#: apply, rules that must not, legal basis of the expected outcome)
CASES = [
    (
        "machine-tool-to-russia",
        "RU",
        MACHINE_TOOL,
        [("end_user", "Uralmash Civil Works LLC", "RU")],
        "high",
        "review",
        {"russia_belarus_involved", "russia_belarus_unconfirmed_scope"},
        {"group_a_no_licence"},
        BASIS_INDUSTRIAL,
    ),
    (
        "computer-to-belarus",
        "BY",
        COMPUTER,
        [("end_user", "Minsk Data Services", "BY")],
        "high",
        "review",
        {"russia_belarus_involved", "russia_belarus_unconfirmed_scope"},
        set(),
        BASIS_DUAL_USE,
    ),
    (
        "machine-tool-to-kazakhstan-russian-end-user",
        "KZ",
        MACHINE_TOOL,
        [("consignee", "Astana Trading LLP", "KZ"), ("end_user", "Uralmash Civil Works", "RU")],
        "high",
        "review",
        {
            "russia_belarus_involved",
            "russia_belarus_unconfirmed_scope",
            "russia_diversion",
            "russia_diversion_party",
        },
        set(),
        BASIS_INDUSTRIAL,
    ),
    (
        "listed-electronics-to-belarus",
        "BY",
        LISTED_ELECTRONICS,
        [("end_user", "Minsk Instruments", "BY")],
        "prohibited",
        "review",
        {"russia_belarus_banned_goods", "russia_belarus_involved", "list_control"},
        set(),
        BASIS_LIST,
    ),
    (
        "16-1-outside-the-ban-scope-to-russia",
        "RU",
        OSCILLOSCOPE,
        [("end_user", "Moscow Test Labs", "RU")],
        "elevated",
        "review",
        {"russia_belarus_involved"},
        {"russia_belarus_banned_goods", "russia_belarus_unconfirmed_scope"},
        BASIS_INVOLVED,
    ),
    (
        "listed-technology-to-a-russian-national-in-japan",
        "JP",
        LISTED_TECHNOLOGY,
        [("end_user", "Ivan Petrov", "RU")],
        "prohibited",
        "review",
        {"russia_belarus_banned_goods", "russia_belarus_involved", "deemed_export"},
        set(),
        BASIS_LIST + "; deemed export (domain.md §10.12)",
    ),
    (
        "uae-consignee-russian-end-user",
        "AE",
        BEARINGS,
        [("consignee", "Dubai General Trading FZE", "AE"), ("end_user", "Kazan Motors", "RU")],
        "high",
        "review",
        {"russia_belarus_involved", "russia_diversion", "russia_diversion_party"},
        {"russia_belarus_banned_goods"},
        BASIS_INVOLVED + "; " + BASIS_DIVERSION,
    ),
    (
        "german-group-a-civilian",
        "DE",
        MACHINE_TOOL,
        [("end_user", "Stuttgart Werkzeugbau GmbH", "DE")],
        "low",
        "cleared",
        {"group_a_no_licence"},
        {"russia_belarus_involved", "russia_diversion_party"},
        BASIS_GROUP_A,
    ),
]
CASE_IDS = [case[0] for case in CASES]


def seeded_measures(confirm: frozenset[str] = frozenset()) -> tuple[MeasureFacts, ...]:
    """The measures of ``partners.reference_data`` as the worker reads them on ``ON``."""
    return tuple(
        MeasureFacts(
            measure=measure,
            category=category,
            destinations=frozenset(destinations.split()),
            hs_prefix=hs_prefix,
            confirmed=confirmed or hs_prefix in confirm,
            legal_basis=basis,
            effective_from=effective_from,
            description=description_en,
        )
        for (
            measure,
            category,
            destinations,
            hs_prefix,
            description_en,
            _ja,
            effective_from,
            basis,
            confirmed,
        ) in ref.MEASURES  # noqa: E501
        if effective_from <= ON
    )


def seeded_tiers() -> dict[str, frozenset[str]]:
    tiers: dict[str, set[str]] = {}
    for tier, members, _basis in ref.COUNTRY_TIERS:
        for country in members.split():
            tiers.setdefault(country, set()).add(tier)
    for country in ref.RUSSIA_BELARUS.split():
        tiers.setdefault(country, set()).add(rules.RUSSIA_BELARUS)
    return {c: frozenset(t) for c, t in tiers.items()}


def context_for(destination, item, parties, **overrides) -> ScreeningContext:
    tiers = seeded_tiers()
    return dataclasses.replace(
        ScreeningContext(
            on=ON,
            destination_country=destination,
            destination_tiers=tiers.get(destination, frozenset()),
            end_use_category="industrial",
            checklist={n: "yes" for n in range(1, 21)},
            items=(ItemFacts(position=1, **item),),
            parties=tuple(
                PartyFacts(
                    ref=f"p{i}",
                    name=name,
                    role=role,
                    country=country,
                    tiers=tiers.get(country, frozenset()),
                )
                for i, (role, name, country) in enumerate(parties, start=1)
            ),
            measures=seeded_measures(),
        ),
        **overrides,
    )


# --- Through the rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "destination", "item", "parties", "level", "outcome", "present", "absent", "basis"),
    CASES,
    ids=CASE_IDS,
)
def test_rules_decide_each_case_by_its_basis(
    case, destination, item, parties, level, outcome, present, absent, basis
):
    assessment = evaluate(context_for(destination, item, parties))

    assert (assessment.level, assessment.outcome) == (level, outcome), basis
    assert present <= set(assessment.rule_ids), basis
    assert not absent & set(assessment.rule_ids), basis


def test_the_prohibited_explanation_names_the_measure_its_category_and_notice():
    assessment = evaluate(
        context_for("BY", LISTED_ELECTRONICS, [("end_user", "Minsk Instruments", "BY")])
    )

    factor = next(f for f in assessment.factors if f["rule"] == "russia_belarus_banned_goods")
    assert factor["level"] == "prohibited"
    assert factor["evidence"]["countries"] == ["BY"]
    (measure,) = factor["evidence"]["measures"]
    assert measure["measure"] == "regime-list-goods"
    assert measure["category"] == "list_controlled"
    assert measure["effective_from"] == "2022-03-18"
    assert "FEFTA Art. 48(3)" in measure["legal_basis"]
    assert "2022-03-18" in measure["legal_basis"]
    assert measure["confirmed"] is True


def test_a_confirmed_hs_row_makes_the_machine_tool_to_russia_prohibited():
    """Once a list manager confirms the machine-tool row, the same filing is decided by it."""
    ctx = context_for("RU", MACHINE_TOOL, [("end_user", "Uralmash", "RU")])
    confirmed = dataclasses.replace(ctx, measures=seeded_measures(confirm=frozenset({"8457"})))

    assessment = evaluate(confirmed)

    assert (assessment.level, assessment.outcome) == ("prohibited", "review")
    factor = next(f for f in assessment.factors if f["rule"] == "russia_belarus_banned_goods")
    assert [(m["measure"], m["hs_prefix"]) for m in factor["evidence"]["measures"]] == [
        ("industrial-base-goods", "8457")
    ]
    assert "russia_belarus_unconfirmed_scope" not in assessment.rule_ids


def test_a_ban_for_russia_only_does_not_reach_belarus():
    """Oil refining and industrial-base goods are Russia-only measures (domain.md §2a)."""
    ctx = context_for("BY", MACHINE_TOOL, [("end_user", "Minsk Works", "BY")])
    ctx = dataclasses.replace(ctx, measures=seeded_measures(confirm=frozenset({"8457"})))

    assessment = evaluate(ctx)

    assert "russia_belarus_banned_goods" not in assessment.rule_ids
    assert (assessment.level, assessment.outcome) == ("elevated", "review")


@pytest.mark.parametrize("role", ["end_user", "consignee", "intermediary", "purchaser"])
def test_any_party_in_russia_makes_a_group_a_filing_an_export_to_russia(role):
    parties = [("end_user", "Stuttgart GmbH", "DE")] if role != "end_user" else []
    parties.append((role, "Moscow Buyer", "RU"))

    assessment = evaluate(context_for("DE", MACHINE_TOOL, parties))

    assert assessment.outcome == "review"
    assert "group_a_no_licence" not in assessment.rule_ids
    involved = next(f for f in assessment.factors if f["rule"] == "russia_belarus_involved")
    assert involved["evidence"]["countries"] == ["RU"]
    assert involved["evidence"]["declared_destination"] == "DE"
    assert [p["role"] for p in involved["evidence"]["parties"]] == [role]


def test_a_listed_party_in_a_diversion_country_goes_to_review_with_that_reason():
    hit = rules.HitFacts(
        party_ref="p1",
        party_name="Delta Engineering",
        entry_ref="5",
        entry_number=5,
        source="meti-eul",
        listed_name="Delta Engineering Concern FZE (DEC)",
        matched_name="Delta Engineering Concern FZE (DEC)",
        score=0.95,
        concern_codes=("N",),
    )
    ctx = context_for("AE", BEARINGS, [("end_user", "Delta Engineering", "AE")], hits=(hit,))

    assessment = evaluate(ctx)

    factor = next(f for f in assessment.factors if f["rule"] == "russia_diversion_party")
    assert factor["evidence"]["listed_parties"] == ["p1"]
    assert factor["evidence"]["parties_in_russia_belarus"] == []
    assert assessment.outcome == "review"


def test_the_tier_string_is_the_enum_value():
    assert rules.RUSSIA_BELARUS == Tier.RUSSIA_BELARUS
    assert rules.MEASURE_LIST_CONTROLLED == "list_controlled"


# --- Through the real submit path (submit → task → worker → run → status) ----------------------


@pytest.fixture
def _committed_database(task_runner):
    """These tests commit for real (``task_runner`` uses ``transactional_db``)."""


def _file(destination, item, parties) -> Notification:
    exporter = ExporterFactory()
    notification = ready_notification(
        firm=exporter.firm,
        created_by=exporter,
        destination_country=destination,
        checklist=full_checklist("yes"),
    )
    Item.objects.filter(notification=notification).update(
        kind=item["kind"],
        classification=item["classification"],
        hs_code=item.get("hs_code", ""),
        list_row=item.get("list_row", ""),
    )
    notification.parties.all().delete()
    for position, (role, name, country) in enumerate(parties, start=1):
        Party.objects.create(
            notification=notification, position=position, role=role, name=name, country=country
        )
    return notification_submit(notification=notification, actor=exporter, declaration_accepted=True)


def _screened(pk: int) -> str | None:
    status = Notification.objects.get(pk=pk).status
    return status if status in (Status.CLEARED, Status.UNDER_REVIEW) else None


@pytest.mark.worker
@pytest.mark.usefixtures("_committed_database")
def test_each_case_through_the_submit_path(task_runner):
    reference_data_load()
    publish_eul(EUL_SAMPLE)
    filed = {case[0]: _file(case[1], case[2], case[3]) for case in CASES}

    for case, _dest, _item, _parties, level, outcome, present, absent, basis in CASES:
        notification = filed[case]
        expected_status = Status.CLEARED if outcome == "cleared" else Status.UNDER_REVIEW
        assert task_runner.wait_for(lambda pk=notification.pk: _screened(pk)) == expected_status, (
            case,
            basis,
        )
        run = ScreeningRun.objects.get(notification=notification)
        assert (run.status, run.level, run.outcome) == (RunStatus.COMPLETED, level, outcome), (
            case,
            basis,
        )
        assert run.ruleset_version == rules.RULESET_VERSION
        assert present <= {f["rule"] for f in run.factors}, (case, basis)
        assert not absent & {f["rule"] for f in run.factors}, (case, basis)
        notification.refresh_from_db()
        assert notification.risk_level == level, (case, basis)


# --- The seeded reference data -----------------------------------------------------------------


@pytest.mark.django_db
def test_reference_data_seeds_the_bans_once_with_their_notices():
    created = reference_data_load()
    again = reference_data_load()

    assert created["measures"] == len(ref.MEASURES)
    assert again == {"country_tiers": 0, "key_technologies": 0, "hs_scope": 0, "measures": 0}
    assert set(
        CountryTier.objects.filter(tier=Tier.RUSSIA_BELARUS).values_list("country", flat=True)
    ) == {"RU", "BY"}
    assert CountryTier.objects.get(country="RU", tier=Tier.RUSSIA_BELARUS).effective_from == (
        datetime.date(2022, 3, 18)
    )
    table = measure_table_in_force()
    assert table.row_count == MeasureRow.objects.filter(version=table).count() == len(ref.MEASURES)
    assert not MeasureRow.objects.filter(legal_basis="").exists()
    # Every HS row is unconfirmed: the exact HS lists were not checked against the notices.
    assert not MeasureRow.objects.exclude(hs_prefix="").filter(confirmed=True).exists()
    assert MeasureRow.objects.get(measure="regime-list-goods").confirmed is True


# --- The table's versions: upload, diff, publish -----------------------------------------------


def _seed_csv(**changes) -> bytes:
    """The seeded table as CSV, with ``changes`` applied to the rows of the given HS prefix."""
    table = measure_table_in_force()
    rows = list(table.rows.all())
    for row in rows:
        for field, value in changes.get(row.hs_prefix, {}).items():
            setattr(row, field, value)
    return measures_csv.to_csv(rows).encode()


def _audit() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


@pytest.fixture
def manager(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    user = UserFactory(roles=[Role.LIST_MANAGER])
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_upload_diff_and_publish_a_new_table_audited(client, manager):
    reference_data_load()
    seed = measure_table_in_force()
    data = _seed_csv(**{"8457": {"confirmed": True}})

    response = client.post(
        reverse("partners:measures"),
        {"file": SimpleUploadedFile("2026-06-10.csv", data), "label": "2026-06-10"},
    )

    draft = MeasureTableVersion.objects.get(label="2026-06-10")
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:measures_version", args=[draft.public_id])
    assert draft.status == ListVersionStatus.DRAFT
    assert draft.row_count == seed.row_count
    page = client.get(response["Location"]).content.decode()
    assert '<span class="diff-counts__number" data-count="changed">1</span>' in page
    assert '<span class="diff-counts__number" data-count="added">0</span>' in page
    assert "industrial-base-goods 8457 2023-04-07" in page
    assert "Confirmed against the notice: <del>no</del> → <ins>yes</ins>" in page

    response = client.post(reverse("partners:measures_publish", args=[draft.public_id]))

    draft.refresh_from_db()
    seed.refresh_from_db()
    assert (draft.status, seed.status) == (
        ListVersionStatus.PUBLISHED,
        ListVersionStatus.SUPERSEDED,
    )
    assert draft.published_by == manager
    assert _audit()[-3:] == [
        "measure_table.import",
        "measure_table.supersede",
        "measure_table.publish",
    ]
    publish = AuditEvent.objects.get(action="measure_table.publish")
    assert publish.data["diff"] == {
        "added": 0,
        "removed": 0,
        "changed": 1,
        "unchanged": seed.row_count - 1,
    }
    assert MeasureRow.objects.get(version=draft, hs_prefix="8457").confirmed is True


@pytest.mark.django_db
def test_a_bad_file_names_each_row_and_column_and_imports_nothing(client, manager):
    reference_data_load()
    before = (MeasureTableVersion.objects.count(), MeasureRow.objects.count(), _audit())
    header = ",".join(measures_csv.COLUMNS)
    bad = "\n".join(
        [
            header,
            "regime-list-goods,list_controlled,RU BY,,Listed goods,,2022-03-18,,FEFTA 48(3),yes",
            "dual-use-goods,weapons,RU,8471,Computers,,2022-03-18,,FEFTA 48(3),no",
            "dual-use-goods,dual_use,CN,84x1,Computers,,18.03.2022,,,maybe",
        ]
    ).encode()

    response = client.post(
        reverse("partners:measures"), {"file": SimpleUploadedFile("bad.csv", bad)}
    )

    assert response.status_code == 400
    problems = response.context["problems"]
    assert [(p.row, p.column) for p in problems] == [
        (3, "category"),
        (4, "legal_basis"),
        (4, "destinations"),
        (4, "hs_prefix"),
        (4, "effective_from"),
        (4, "confirmed"),
    ]
    assert "Nothing was imported" in response.content.decode()
    assert (MeasureTableVersion.objects.count(), MeasureRow.objects.count(), _audit()) == before


@pytest.mark.django_db
def test_a_file_without_the_columns_is_refused_by_the_service():
    with pytest.raises(ListImportError) as refused:
        measure_table_import(
            file=io.BytesIO(b"measure,category\nx,y\n"), file_name="x.csv", actor=None
        )

    assert {p.column for p in refused.value.problems} >= {"destinations", "legal_basis"}
    assert not MeasureTableVersion.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.EXPORTER, Role.REVIEWER, Role.AUDITOR])
def test_only_a_list_manager_may_upload_or_publish(client, role):
    reference_data_load()
    manager = UserFactory(roles=[Role.LIST_MANAGER])
    draft = measure_table_import(
        file=io.BytesIO(_seed_csv(**{"8457": {"confirmed": True}})),
        file_name="draft.csv",
        actor=manager,
    )
    before = (
        list(MeasureTableVersion.objects.order_by("pk").values_list("status", flat=True)),
        MeasureRow.objects.count(),
        _audit(),
    )
    client.force_login(UserFactory(roles=[role]))

    upload = client.post(
        reverse("partners:measures"),
        {"file": SimpleUploadedFile("x.csv", _seed_csv(**{"8458": {"confirmed": True}}))},
    )
    publish = client.post(reverse("partners:measures_publish", args=[draft.public_id]))
    page = client.get(reverse("partners:measures_version", args=[draft.public_id]))

    # A measures table belongs to no firm: every refusal is a 403, and each refused attempt (the
    # upload, the publication, the page) is on the record (issue 19); nothing else changed.
    assert (upload.status_code, publish.status_code, page.status_code) == (403, 403, 403)
    after = (
        list(MeasureTableVersion.objects.order_by("pk").values_list("status", flat=True)),
        MeasureRow.objects.count(),
        _audit(),
    )
    assert after == (before[0], before[1], [*before[2], *["access.refused"] * 3])


@pytest.mark.django_db
def test_a_published_table_cannot_be_published_again():
    reference_data_load()
    seed = measure_table_in_force()
    before = _audit()

    with pytest.raises(ListVersionStateError):
        measure_table_publish(version=seed, actor=None)

    seed.refresh_from_db()
    assert seed.status == ListVersionStatus.PUBLISHED
    assert _audit() == before


# --- The criteria page and the wizard ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "unconfirmed"),
    [("en", "Russia and Belarus: export bans", "Unconfirmed"), ("ja", None, None)],
)
def test_criteria_page_shows_the_measures_with_their_sources(
    client, language, heading, unconfirmed
):
    reference_data_load()
    rows = MeasureRow.objects.filter(version=measure_table_in_force())

    html = client.get(reverse("screening:criteria"), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert 'id="russia-belarus"' in html
    assert 'id="criteria-measures"' in html
    for rule_id in (
        "russia_belarus_banned_goods",
        "russia_belarus_unconfirmed_scope",
        "russia_belarus_involved",
        "russia_diversion_party",
    ):
        assert rule_id in html
    assert html.count("data-unconfirmed") == rows.filter(confirmed=False).count()
    assert html.count('data-confirmed="yes"') == rows.filter(confirmed=True).count()
    with translation.override(language):  # a seeded basis reads in the reader's language
        for basis in set(rows.values_list("legal_basis", flat=True)):
            assert escape(reference_text(basis)) in html
    assert "2022-03-18" in html
    if language == "ja":
        assert "量子コンピュータ" in html  # the Japanese description of the row
    else:
        assert heading in html and unconfirmed in html
        assert "quantum computers" in html


@pytest.mark.django_db
def test_the_review_step_warns_before_submitting_a_filing_to_russia(client):
    reference_data_load()
    exporter = ExporterFactory()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(exporter)
    russia = ready_notification(firm=exporter.firm, created_by=exporter, destination_country="KZ")
    Item.objects.filter(notification=russia).update(classification="list", list_row="6")
    Party.objects.filter(notification=russia).update(country="RU", name="Uralmash")
    germany = ready_notification(firm=exporter.firm, created_by=exporter, destination_country="DE")

    warned = client.get(reverse("notifications:edit", args=[russia.public_id, "review"]))
    quiet = client.get(reverse("notifications:edit", args=[germany.public_id, "review"]))

    html = warned.content.decode()
    assert 'id="russia-belarus-warning"' in html
    assert "screened as an export to Russia (RU)" in html  # the country by name
    assert "it is referred to a reviewer at the ministry" in html
    assert 'id="russia-belarus-banned"' in html
    assert "approval, which in principle is not granted" in html
    assert "2022-03-18" in html
    assert 'id="russia-belarus-warning"' not in quiet.content.decode()
