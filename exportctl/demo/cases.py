"""The notifications of the demo world (``demo_world``), one per status and role to show.

Each case is what an exporter would file (header, items, parties, the 20 clear-criteria answers)
and the story that follows its screening, as steps that each make one service call exactly as the
views make it. ``screened_to`` and ``status`` are what screening and the story must reach under
today's rules; the seed checks both. The README's "Demo cases" table names these titles.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from notifications import calendar
from notifications.models import Classification, EndUseCategory, ItemKind, PartyKind, PartyRole
from notifications.readiness import CHECKLIST_SIZE
from notifications.services import decisions, lifecycle, review_desk
from notifications.workflow import Status
from screening import services as screening_services
from screening.models import Disposition
from screening.selectors import pending_hits_for

REVIEWER = "reviewer@example.com"
SENIOR = "senior@example.com"

Step = Callable[..., None]


@dataclass(frozen=True)
class CaseSpec:
    firm: str
    exporter: str
    title: str
    header: dict
    items: tuple[dict, ...]
    parties: tuple[dict, ...]
    checklist: dict
    status: str
    screened_to: str = ""
    steps: tuple[Step, ...] = ()
    submit: bool = True
    #: What the case shows, and to whom (for readers of this file; the README says the same).
    shows: str = ""


def checks(**exceptions: tuple[str, str]) -> dict:
    """All 20 checks answered "yes", except ``check_<n>=(answer, note)``."""
    answers = {str(n): {"answer": "yes", "note": ""} for n in range(1, CHECKLIST_SIZE + 1)}
    for key, (answer, note) in exceptions.items():
        answers[key.removeprefix("check_")] = {"answer": answer, "note": note}
    return answers


#: Working days between seeding and a demo filing's planned export date: comfortably more than
#: the review needs (``notifications.planning``), so no demo filing is flagged late.
PLANNED_IN_WORKING_DAYS = 30


def header(title: str, destination: str, end_use: str, category: str) -> dict:
    return {
        "title": title,
        "destination_country": destination,
        "end_use_description": end_use,
        "end_use_category": category,
        "planned_date": calendar.add_working_days(timezone.localdate(), PLANNED_IN_WORKING_DAYS),
    }


@dataclass(frozen=True)
class NoticeSpec:
    """An inform notice the ministry issues on its own initiative in the demo world."""

    firm: str
    issued_by: str
    subject_kind: str
    subject: str
    grounds: str


#: About an end user none of the demo filings names, so that no demo case changes course.
NOTICES: tuple[NoticeSpec, ...] = (
    NoticeSpec(
        firm="demo",
        issued_by=REVIEWER,
        subject_kind="end_user",
        subject="Northern Star Aerospace Research Institute",
        grounds=(
            "The institute procures machine tools and precision bearings for a ballistic-missile "
            "programme. Any export or technology transfer to it needs a licence.\n"
            "当該研究所は弾道ミサイル計画のために工作機械及び精密軸受を調達しているため、"
            "同研究所向けの輸出及び技術提供には許可を要します。"
        ),
    ),
)


def goods(description, *, classification, hs_code="", list_row="", item_code="", **amounts):
    return {
        "kind": ItemKind.GOODS,
        "description": description,
        "classification": classification,
        "hs_code": hs_code,
        "list_row": list_row,
        "item_code": item_code,
        **amounts,
    }


def party(role, name, address, country, local_name="", kind=PartyKind.ORGANIZATION):
    """A party as filed; every demo party is a company or institute, so an organisation."""
    return {
        "role": role,
        "kind": kind,
        "name": name,
        "local_name": local_name,
        "address": address,
        "country": country,
    }


# --- Steps: one service call each, as the review and exporter views make it ------------------


def claim(email: str) -> Step:
    def step(case, users) -> None:
        review_desk.review_claim(notification=case, actor=users[email])

    return step


def adjudicate_all(email: str, disposition: str, reason: str) -> Step:
    """Every pending hit of the latest run, with the reviewer's reason (before any decision)."""

    def step(case, users) -> None:
        for hit in pending_hits_for(case):
            screening_services.hit_adjudicate(
                hit=hit, actor=users[email], disposition=disposition, reason=reason
            )

    return step


def request_info(email: str, question: str, days: int = 14) -> Step:
    def step(case, users) -> None:
        decisions.notification_request_info(
            notification=case,
            actor=users[email],
            question=question,
            due_on=timezone.localdate() + datetime.timedelta(days=days),
        )

    return step


def approve(email: str, conditions: str, validity_months: int = 12) -> Step:
    def step(case, users) -> None:
        decisions.notification_approve(
            notification=case,
            actor=users[email],
            conditions=conditions,
            validity_months=validity_months,
        )

    return step


def countersign(email: str) -> Step:
    def step(case, users) -> None:
        decisions.notification_countersign(notification=case, actor=users[email])

    return step


def deny(email: str, reason: str) -> Step:
    def step(case, users) -> None:
        decisions.notification_deny(notification=case, actor=users[email], reason=reason)

    return step


def withdraw(reason: str) -> Step:
    def step(case, users) -> None:
        lifecycle.notification_withdraw(notification=case, actor=case.created_by, reason=reason)

    return step


# --- The cases --------------------------------------------------------------------------------

EXPORTER = "exporter@example.com"
EXPORTER_2 = "exporter2@example.com"
NO_REEXPORT = "No re-export or transfer to a third party without the ministry's consent."

#: Approved under the End User List of 2025-01-31; its end user is listed only from 2025-09-29,
#: so publishing that revision reopens the case and suspends the permit.
FIRST_REVISION_CASE = CaseSpec(
    firm="demo",
    exporter=EXPORTER,
    title="Spectrum analysers for a Dubai electronics distributor",
    header=header(
        "Spectrum analysers for a Dubai electronics distributor",
        "AE",
        "Resale to telecom installers in the UAE for field testing of mobile base stations.",
        EndUseCategory.TELECOMMUNICATIONS,
    ),
    items=(
        goods(
            "Signal and spectrum analyser, 26.5 GHz",
            classification=Classification.LIST_CONTROL,
            list_row="7",
            item_code="7(3)",
            quantity=4,
            unit="units",
            value_jpy=18_400_000,
        ),
    ),
    parties=(
        party(
            PartyRole.END_USER,
            "Diamond Castle Electronics Trading LLC",
            "Al Ras, Deira, Dubai",
            "AE",
        ),
    ),
    checklist=checks(),
    screened_to=Status.UNDER_REVIEW,
    steps=(
        claim(REVIEWER),
        approve(REVIEWER, NO_REEXPORT),
    ),
    status=Status.APPROVED,
    shows="reopened by the 2025-09-29 list, permit suspended (reviewer, senior reviewer)",
)

CASES: tuple[CaseSpec, ...] = (
    CaseSpec(
        firm="demo",
        exporter=EXPORTER,
        title="Servo motors for a Stuttgart packaging line",
        header=header(
            "Servo motors for a Stuttgart packaging line",
            "DE",
            "Drives of a carton-folding line in a food-packaging plant.",
            EndUseCategory.INDUSTRIAL,
        ),
        items=(
            goods(
                "AC servo motor, 3 kW",
                classification=Classification.OTHER_16_2,
                hs_code="8501.52",
                quantity=24,
                unit="units",
                value_jpy=7_200_000,
            ),
        ),
        parties=(
            party(
                PartyRole.END_USER,
                "Schwaben Verpackungstechnik GmbH",
                "Industriestrasse 12, 70565 Stuttgart",
                "DE",
            ),
        ),
        checklist=checks(),
        screened_to=Status.CLEARED,
        status=Status.CLEARED,
        shows="cleared at once, receipt issued (exporter, auditor)",
    ),
    CaseSpec(
        firm="demo",
        exporter=EXPORTER,
        title="CNC lathes for a Karachi steel mill",
        header=header(
            "CNC lathes for a Karachi steel mill",
            "PK",
            "Turning of rolls for the mill's hot-strip rolling line.",
            EndUseCategory.INDUSTRIAL,
        ),
        items=(
            goods(
                "CNC roll-turning lathe",
                classification=Classification.SPECIFIED_16_1,
                hs_code="8458.11",
                quantity=2,
                unit="units",
                value_jpy=96_000_000,
            ),
        ),
        parties=(
            party(
                PartyRole.END_USER,
                "Peoples Steel Mill Limited",
                "Manghopir Road, S.I.T.E., Karachi",
                "PK",
            ),
        ),
        checklist=checks(),
        screened_to=Status.UNDER_REVIEW,
        status=Status.UNDER_REVIEW,
        shows="End User List hit pending adjudication, unclaimed (reviewer)",
    ),
    CaseSpec(
        firm="demo",
        exporter=EXPORTER,
        title="Ultrasonic flaw detectors for a Hai Phong shipyard",
        header=header(
            "Ultrasonic flaw detectors for a Hai Phong shipyard",
            "VN",
            "Weld inspection of hull blocks for bulk carriers.",
            EndUseCategory.INDUSTRIAL,
        ),
        items=(
            goods(
                "Phased-array ultrasonic flaw detector",
                classification=Classification.OTHER_16_2,
                hs_code="9031.80",
                quantity=6,
                unit="units",
                value_jpy=9_600_000,
            ),
        ),
        parties=(
            party(
                PartyRole.END_USER,
                "Hai Phong Marine Engineering JSC",
                "Km 9, Ton Duc Thang Street, Hai Phong",
                "VN",
            ),
        ),
        checklist=checks(
            check_3=(
                "unknown",
                "The buyer also has a repair yard in Cam Ranh; we have not been told which site "
                "will use two of the six units.",
            )
        ),
        screened_to=Status.UNDER_REVIEW,
        steps=(
            claim(REVIEWER),
            request_info(
                REVIEWER,
                "Check 3 is open: please state the site where each of the six detectors will be "
                "used, and attach the buyer's end-use statement naming it.",
            ),
        ),
        status=Status.INFO_REQUESTED,
        shows="waiting for the exporter's answer to the ministry's question (exporter)",
    ),
    CaseSpec(
        firm="demo",
        exporter=EXPORTER,
        title="Corrosion-resistant valves for a Gujarat fertiliser plant",
        header=header(
            "Corrosion-resistant valves for a Gujarat fertiliser plant",
            "IN",
            "Replacement valves for the ammonia and nitric-acid units of a fertiliser plant.",
            EndUseCategory.INDUSTRIAL,
        ),
        items=(
            goods(
                "Bellows-sealed valve, nickel-alloy wetted parts, DN 80",
                classification=Classification.LIST_CONTROL,
                list_row="3",
                item_code="3(2)",
                quantity=40,
                unit="units",
                value_jpy=22_000_000,
            ),
        ),
        parties=(
            party(
                PartyRole.END_USER,
                "Narmada Agro Chemicals Ltd.",
                "GIDC Estate, Bharuch, Gujarat",
                "IN",
            ),
        ),
        checklist=checks(),
        screened_to=Status.UNDER_REVIEW,
        steps=(
            claim(REVIEWER),
            approve(
                REVIEWER,
                NO_REEXPORT + " The end user confirms installation at the Bharuch site in "
                "writing within 30 days of delivery.",
            ),
        ),
        status=Status.AWAITING_COUNTERSIGN,
        shows="high risk approved by the reviewer, awaiting countersignature (senior reviewer)",
    ),
    CaseSpec(
        firm="demo",
        exporter=EXPORTER,
        title="Five-axis machining centres for an Ayutthaya auto-parts plant",
        header=header(
            "Five-axis machining centres for an Ayutthaya auto-parts plant",
            "TH",
            "Machining of aluminium cylinder heads for passenger cars.",
            EndUseCategory.INDUSTRIAL,
        ),
        items=(
            goods(
                "Five-axis machining centre, positioning accuracy 4 µm",
                classification=Classification.LIST_CONTROL,
                list_row="6",
                item_code="6(2)",
                quantity=2,
                unit="units",
                value_jpy=84_000_000,
            ),
        ),
        parties=(
            party(
                PartyRole.END_USER,
                "Siam Precision Auto Parts Co., Ltd.",
                "Rojana Industrial Park, Ayutthaya",
                "TH",
            ),
        ),
        checklist=checks(),
        screened_to=Status.UNDER_REVIEW,
        steps=(
            claim(REVIEWER),
            approve(REVIEWER, NO_REEXPORT, validity_months=12),
        ),
        status=Status.APPROVED,
        shows="approved, signed permit that /verify/ accepts (exporter, auditor, anyone)",
    ),
    CaseSpec(
        firm="demo",
        exporter=EXPORTER,
        title="Carbon-fibre prepreg for a Shenzhen sporting-goods maker",
        header=header(
            "Carbon-fibre prepreg for a Shenzhen sporting-goods maker",
            "CN",
            "Frames of racing bicycles.",
            EndUseCategory.CONSUMER,
        ),
        items=(
            goods(
                "Carbon-fibre prepreg, tensile modulus 290 GPa",
                classification=Classification.LIST_CONTROL,
                list_row="5",
                item_code="5(13)",
                quantity=1_200,
                unit="kg",
                value_jpy=14_400_000,
            ),
        ),
        parties=(
            party(
                PartyRole.END_USER,
                "Shenzhen Velox Sporting Goods Co., Ltd.",
                "Bao'an District, Shenzhen, Guangdong",
                "CN",
            ),
        ),
        checklist=checks(),
        screened_to=Status.UNDER_REVIEW,
        steps=(
            claim(REVIEWER),
            deny(
                REVIEWER,
                "The quantity ordered is ten times the end user's yearly frame output, and its "
                "published customers include an unmanned-aircraft maker; the stated end use is not "
                "credible (FEFTA Art. 48(1)).",
            ),
        ),
        status=Status.DENIED,
        shows="denied at elevated risk, denial letter issued (exporter, auditor)",
    ),
    CaseSpec(
        firm="demo",
        exporter=EXPORTER,
        title="Vacuum pumps for a Bengaluru research laboratory",
        header=header(
            "Vacuum pumps for a Bengaluru research laboratory",
            "IN",
            "Thin-film deposition experiments in a university materials laboratory.",
            EndUseCategory.RESEARCH,
        ),
        items=(
            goods(
                "Turbomolecular vacuum pump",
                classification=Classification.OTHER_16_2,
                hs_code="8414.10",
                quantity=3,
                unit="units",
                value_jpy=5_100_000,
            ),
        ),
        parties=(
            party(
                PartyRole.END_USER,
                "Indus Institute of Materials Research",
                "Yelahanka, Bengaluru, Karnataka",
                "IN",
            ),
        ),
        checklist=checks(
            check_1=("unknown", "The laboratory's project description has not arrived yet.")
        ),
        screened_to=Status.UNDER_REVIEW,
        steps=(withdraw("The buyer cancelled the order."),),
        status=Status.WITHDRAWN,
        shows="withdrawn by the exporter (exporter, auditor)",
    ),
    CaseSpec(
        firm="demo",
        exporter=EXPORTER,
        title="Robot controllers for a Cebu electronics assembler",
        header=header(
            "Robot controllers for a Cebu electronics assembler",
            "PH",
            "",
            "",
        ),
        items=(
            goods(
                "Six-axis robot controller",
                classification=Classification.NOT_APPLICABLE,
                quantity=10,
                unit="units",
                value_jpy=3_500_000,
            ),
        ),
        parties=(),
        checklist={},
        submit=False,
        status=Status.DRAFT,
        shows="a draft the exporter has started (exporter)",
    ),
    CaseSpec(
        firm="second",
        exporter=EXPORTER_2,
        title="Camera lenses for a Seattle imaging company",
        header=header(
            "Camera lenses for a Seattle imaging company",
            "US",
            "Lenses for machine-vision cameras sold to logistics centres.",
            EndUseCategory.INDUSTRIAL,
        ),
        items=(
            goods(
                "Machine-vision lens, 25 mm, C-mount",
                classification=Classification.OTHER_16_2,
                hs_code="9002.11",
                quantity=500,
                unit="units",
                value_jpy=6_000_000,
            ),
        ),
        parties=(
            party(
                PartyRole.END_USER,
                "Puget Vision Systems Inc.",
                "1200 Westlake Ave N, Seattle, WA",
                "US",
            ),
        ),
        checklist=checks(),
        screened_to=Status.CLEARED,
        status=Status.CLEARED,
        shows="the second firm's cleared case (exporter2, auditor)",
    ),
    CaseSpec(
        firm="second",
        exporter=EXPORTER_2,
        title="Infrared thermometers for a Bangkok hospital group",
        header=header(
            "Infrared thermometers for a Bangkok hospital group",
            "TH",
            "Patient screening at hospital entrances.",
            EndUseCategory.MEDICAL,
        ),
        items=(
            goods(
                "Infrared ear thermometer",
                classification=Classification.OTHER_16_2,
                hs_code="9025.19",
                quantity=800,
                unit="units",
                value_jpy=4_000_000,
            ),
        ),
        parties=(
            party(
                PartyRole.END_USER,
                "Allied Trading Co., Ltd.",
                "Sukhumvit Road, Khlong Toei, Bangkok",
                "TH",
            ),
        ),
        checklist=checks(),
        screened_to=Status.UNDER_REVIEW,
        steps=(
            claim(REVIEWER),
            adjudicate_all(
                REVIEWER,
                Disposition.FALSE_POSITIVE,
                "Different company: a Thai medical-supplies importer registered in Bangkok since "
                "1998 (DBD registration seen); the listed entity is in Pakistan.",
            ),
            approve(REVIEWER, NO_REEXPORT, validity_months=6),
            countersign(SENIOR),
        ),
        status=Status.APPROVED,
        shows="false-positive hit, high risk approved and countersigned: permit (exporter2, auditor)",
    ),
    CaseSpec(
        firm="second",
        exporter=EXPORTER_2,
        title="MLCC process know-how for a Vietnamese joint venture",
        header=header(
            "MLCC process know-how for a Vietnamese joint venture",
            "VN",
            "Training of the joint venture's engineers to run a capacitor line for consumer "
            "electronics.",
            EndUseCategory.INDUSTRIAL,
        ),
        items=(
            {
                "kind": ItemKind.TECHNOLOGY,
                "description": "Process documentation for stacking and firing MLCC layers",
                "classification": Classification.OTHER_16_2,
                "key_technology": "mlcc",
                "quantity": 1,
                "unit": "set",
                "value_jpy": 30_000_000,
            },
        ),
        parties=(
            party(
                PartyRole.END_USER,
                "Kansai Dong Nai Components Co., Ltd.",
                "Amata Industrial Park, Bien Hoa, Dong Nai",
                "VN",
            ),
        ),
        checklist=checks(),
        screened_to=Status.UNDER_REVIEW,
        steps=(claim(REVIEWER),),
        status=Status.UNDER_REVIEW,
        shows="key-technology transfer claimed by the reviewer (reviewer)",
    ),
)
