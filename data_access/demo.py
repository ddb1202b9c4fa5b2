"""A deterministic synthetic clinic network for demos, page tests and benchmarks.

:func:`build_demo` writes two clinics (Tehran in Persian, London in English), their staff, a
bilingual content library, patients whose dose, screen and phase histories follow a few
recognisable courses, and their families: members, consents, assignments, engagement, questions,
condition reports and outreach. Everything is invented: names carry a demo marker, phone numbers
sit in ranges kept for fiction, e-mail addresses are at example.org.

The same ``(patients, days, seed, as_of)`` gives the same rows on every run and on every engine:
one ``random.Random(seed)`` drives every choice, iteration never depends on hash order, and every
timestamp is derived from ``as_of``, never from the wall clock (the staff accounts and the audit
rows, written by the ordinary functions, are the exception).

Scale is part of the contract (10,000 patients over three years, millions of dose rows, within
minutes on SQLite): rows are plain dicts written with Core bulk inserts in chunks, primary keys
are assigned here so that children refer to parents without reading them back, and dose rows are
generated and flushed per patient, so memory stays bounded.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from data_access.audit import record_audit
from data_access.clinics import add_clinic
from data_access.models import (
    Answer,
    Assignment,
    Base,
    Clinic,
    ConditionReport,
    Consent,
    ContentModule,
    DoseEvent,
    EngagementEvent,
    FamilyQuestion,
    OutreachAttempt,
    Patient,
    PhaseChange,
    SupportMember,
    UrineScreen,
)
from data_access.questions import set_clinic_deadline
from data_access.staff import add_user
from domain.deadlines import AnswerDeadline, answer_due_at, parse_working_week
from domain.phases import PHASE_ORDER
from domain.vocabulary import (
    AuditAction,
    Channel,
    ConsentScope,
    ContentKind,
    DeliveryStatus,
    DoseKind,
    DoseStatus,
    EngagementKind,
    Medication,
    OutreachOutcome,
    Phase,
    Relation,
    ReportSeverity,
    Role,
    ScreenResult,
    Sex,
)

DEMO_PASSWORD = "demo-password-2026"
DEMO_ACTOR = "demo"
CHUNK_ROWS = 20_000
PATIENT_BATCH = 250

ONE_DAY = timedelta(days=1)
DAY_END = time(0, 0)  # the demo's "now" is the start of as_of (UTC): no timestamp is in the future

Row = dict[str, Any]
Progress = Callable[[str, int, int], None]
T = TypeVar("T")

# Substances of the urine screen panel; the prescribed medication's own row is "expected".
OPIOIDS = "opioids"
AMPHETAMINES = "amphetamines"
CANNABIS = "cannabis"
BENZODIAZEPINES = "benzodiazepines"


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`build_demo` wrote: rows per table name, and the demo logins."""

    counts: dict[str, int]
    logins: list[tuple[str, str, str]]  # (username, password, role)


class Pattern(StrEnum):
    """The course a synthetic patient follows; each gives the dashboard something to show."""

    STEADY = "steady"
    INTERMITTENT = "intermittent"
    RELAPSE_STEP_UP = "relapse_step_up"
    DROP_OUT = "drop_out"
    TAPER_AFTERCARE = "taper_aftercare"
    MISSED_STREAK = "missed_streak"  # 3-6 missed days running on as_of: overdose-risk examples


DEMO_VERSION = 2
"""Raised whenever the same arguments build different data (2: the standing caseload), so a
benchmark database built by an older version is not reused as if it were current."""

PATTERN_SHARES: tuple[tuple[Pattern, float], ...] = (
    (Pattern.STEADY, 0.45),
    (Pattern.INTERMITTENT, 0.20),
    (Pattern.RELAPSE_STEP_UP, 0.10),
    (Pattern.DROP_OUT, 0.08),
    (Pattern.TAPER_AFTERCARE, 0.12),
    (Pattern.MISSED_STREAK, 0.05),
)


def database_is_empty(session: Session) -> bool:
    """True when no clinic exists yet: the only state in which demo data may be written."""
    return session.scalar(select(Clinic.id).limit(1)) is None


# --------------------------------------------------------------------------------------------
# Words: everything a person would read, per language. Names are invented and marked as demo.
# --------------------------------------------------------------------------------------------

_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@dataclass(frozen=True)
class _Words:
    language: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    neutral: tuple[str, ...]
    surnames: tuple[str, ...]
    reasons: dict[str, str]
    questions: tuple[tuple[str, str], ...]  # (question, answer)
    physical: tuple[str, ...]
    mental: tuple[str, ...]
    medical: tuple[str, ...]
    emergency: tuple[str, str, str]  # physical, mental, medical
    emergency_action: str
    actions: tuple[str, ...]
    outreach_notes: dict[str, str]
    consent_purpose: str

    def marked(self, surname: str) -> str:
        """A last name that says it is synthetic."""
        if self.language == "fa":
            return f"{surname} (نمونه)"
        return f"Demo-{surname}"

    def number(self, value: int) -> str:
        text = str(value)
        return text.translate(_FA_DIGITS) if self.language == "fa" else text


_FA = _Words(
    language="fa",
    male=("علی", "محمد", "حسین", "رضا", "مهدی", "امیر", "سعید", "حمید", "مجید", "بهرام",
          "کاوه", "داریوش", "فرهاد", "مسعود", "جواد", "نادر", "پیمان", "آرش", "بابک", "کامران"),
    female=("مریم", "زهرا", "فاطمه", "نرگس", "لیلا", "سارا", "شیرین", "مینا", "پریسا", "نسرین",
            "الهام", "طاهره", "رؤیا", "سمیرا", "آزاده"),
    neutral=("آسمان", "نیکو", "مهر", "آرمان"),
    surnames=("رحیمی", "احمدی", "حسینی", "کریمی", "محمدی", "رضایی", "موسوی", "جعفری", "صادقی",
              "قاسمی", "نوری", "کاظمی", "اکبری", "یوسفی", "تهرانی", "شریفی", "عباسی", "فراهانی",
              "نجفی", "سلطانی"),
    reasons={
        "admission": "پذیرش و شروع دوره‌ی القا",
        "stabilise": "رسیدن به دوز مؤثر بدون علائم خماری یا خواب‌آلودگی؛ شروع تثبیت",
        "maintain": "دوز و حضور منظم پایدار است؛ شروع درمان نگهدارنده",
        "taper": "درخواست بیمار برای کاهش تدریجی پس از ماه‌ها ثبات و آزمایش‌های منفی",
        "aftercare": "پایان کاهش تدریجی؛ مراقبت پس از درمان با مشاوره و حمایت خانواده",
        "step_up": "لغزش: دوزهای فراموش‌شده و آزمایش مثبت مواد افیونی؛ افزایش سطح حمایت",
        "restabilised": "پس از افزایش حمایت دوباره پایدار شد",
        "discharge": "{days} روز عدم مراجعه با وجود پیگیری؛ ترخیص (بازگشت در هر زمان ممکن است)",
    },
    questions=(
        ("آیا رانندگی بعد از دوز صبح بی‌خطر است؟",
         "در هفته‌های اول و بعد از تغییر دوز نه؛ صبر کنید تا پزشک ثبات دوز را تأیید کند و هرگز "
         "بعد از الکل یا داروی آرام‌بخش رانندگی نکند."),
        ("اگر دوز آخر هفته فراموش شود چه کنیم؟",
         "دوز بعدی را دو برابر نکنید. بعد از سه روز دوز فراموش‌شده تحمل کم می‌شود و پزشک باید "
         "دوز را بازبینی کند؛ لطفاً با درمانگاه تماس بگیرید."),
        ("چطور علائم خماری را از یک بیماری معمولی تشخیص بدهیم؟",
         "خمیازه، تعریق، سیخ شدن موها، آبریزش بینی و دردی که نزدیک زمان دوز شروع می‌شود نشانه‌ی "
         "خماری است؛ به ما خبر دهید، شاید دوز نیاز به تنظیم داشته باشد."),
        ("نالوکسان را از کجا تهیه کنیم و چطور استفاده کنیم؟",
         "درمانگاه بسته‌ی نالوکسان را همراه با آموزش کوتاه می‌دهد و محتوای «بیش‌مصرفی و "
         "نالوکسان» مراحل را نشان می‌دهد. اول با اورژانس ۱۱۵ تماس بگیرید."),
        ("کاهش دوز خیلی سریع به نظر می‌رسد؛ می‌شود آهسته‌تر شود؟",
         "بله. سرعت کاهش تدریجی به ثبات بیمار بستگی دارد؛ روان‌شناس این هفته موضوع را با پزشک "
         "مطرح می‌کند."),
        ("چطور حمایت کنم بدون اینکه مدام کنترلش کنم؟",
         "با هم درباره‌ی شکل حمایت توافق کنید؛ محتوای «گفت‌وگو بدون سرزنش» مثال‌هایی دارد و گروه "
         "خانواده‌ها ماهی یک بار برگزار می‌شود."),
        ("آیا متادون با داروی ضدافسردگی تداخل دارد؟",
         "بعضی داروها بله. لطفاً جعبه‌ی دارو را در مراجعه‌ی بعدی بیاورید تا پزشک بررسی کند."),
        ("آیا جلسه‌ی گروهی برای خانواده‌ها هست؟",
         "بله، گروه خانواده‌ها اولین سه‌شنبه‌ی هر ماه برگزار می‌شود؛ خوش آمدید."),
    ),
    physical=("خواب و اشتهایش بهتر شده", "از کمردرد شکایت دارد", "خسته و رنگ‌پریده به نظر می‌رسید",
              "عصرها بی‌قرار است و عرق می‌کند"),
    mental=("در خانه آرام‌تر است", "این هفته زودرنج و گوشه‌گیر است", "نگران کارش است",
            "خلقش پایین است و بیشتر در رختخواب می‌ماند"),
    medical=("برای عفونت ریه آنتی‌بیوتیک شروع کرده", "نوبت آزمایش هپاتیت سی را از دست داد",
             "هفته‌ی بعد نوبت دندان‌پزشکی دارد"),
    emergency=("خواب‌آلودگی شدید، به‌سختی بیدار می‌شود و آهسته نفس می‌کشد",
               "بعد از یک شب بیرون از خانه گیج است", "قرص‌های فرد دیگری را خورده است"),
    emergency_action="چند دقیقه بعد تماس گرفته شد: توصیه به تماس با ۱۱۵ و استفاده از نالوکسان؛ "
                     "آمبولانس رسید و بیمار روز بعد در درمانگاه ویزیت شد",
    actions=("در جلسه‌ی تیم مطرح شد؛ روان‌شناس با خانواده تماس می‌گیرد",
             "نوبت بازبینی پزشک برای این هفته گذاشته شد",
             "محتوای پیشگیری از لغزش برای خانواده فرستاده شد",
             "ثبت شد؛ اقدام دیگری لازم نیست"),
    outreach_notes={
        OutreachOutcome.REACHED: "صحبت شد؛ قرار شد فردا به درمانگاه بیاید",
        OutreachOutcome.NO_ANSWER: "پاسخ نداد؛ دوباره تماس می‌گیریم",
        OutreachOutcome.MESSAGE_SENT: "پیام گذاشته شد که با درمانگاه تماس بگیرد",
        OutreachOutcome.WRONG_NUMBER: "شماره دیگر استفاده نمی‌شود؛ از خانواده شماره‌ی جدید خواسته شد",
        OutreachOutcome.DECLINED: "فعلاً تمایلی به تماس ندارد",
    },
    consent_purpose="آموزش و حمایت خانواده",
)

_EN = _Words(
    language="en",
    male=("James", "Daniel", "Thomas", "Michael", "David", "Liam", "Connor", "Ryan", "Mark",
          "Paul", "Steven", "Gary", "Lee", "Darren", "Jamie"),
    female=("Sarah", "Emma", "Laura", "Claire", "Rachel", "Kelly", "Gemma", "Hannah", "Sophie",
            "Nicola", "Joanne", "Amy"),
    neutral=("Alex", "Sam", "Jordan", "Charlie", "Robin"),
    surnames=("Ashford", "Bramley", "Carrow", "Dunmore", "Elsworth", "Fairley", "Greaves",
              "Hollins", "Ingram", "Jessop", "Kettering", "Lockwood", "Marlow", "Norland", "Oakes",
              "Pembury", "Radley", "Stanton", "Thorne", "Whitlock"),
    reasons={
        "admission": "Admitted; induction started",
        "stabilise": "Effective dose reached without withdrawal or sedation; stabilisation",
        "maintain": "Stable dose and regular attendance; maintenance",
        "taper": "Patient asked to taper after months of stability and negative screens",
        "aftercare": "Taper completed; aftercare with counselling and family support",
        "step_up": "Relapse: missed doses and opioid-positive screens; stepped up for more support",
        "restabilised": "Stable again after the step-up",
        "discharge": "Did not attend for {days} days despite outreach; discharged "
                     "(welcome back at any time)",
    },
    questions=(
        ("Is it safe to drive after the morning dose?",
         "Not in the first weeks or after a dose change: wait until the prescriber confirms the "
         "dose is stable, and never after alcohol or sedatives."),
        ("What should we do if a dose is missed over the weekend?",
         "Do not double the next dose. After three missed days tolerance falls and the prescriber "
         "needs to review the dose first; please call the clinic."),
        ("How can we tell withdrawal from an ordinary illness?",
         "Yawning, sweating, goosebumps, a runny nose and aches that start near dosing time point "
         "to withdrawal; tell us, the dose may need adjusting."),
        ("Where can we get naloxone, and how is it used?",
         "The clinic gives naloxone kits with a short training, and the module 'Overdose and "
         "naloxone' shows the steps. Call 999 first."),
        ("The taper feels too fast. Can it be slowed down?",
         "Yes. A taper is paced by the patient's stability; the psychologist will raise it with "
         "the prescriber this week."),
        ("How can I support without checking on them all the time?",
         "Agree together on what support looks like; the module 'Talking without blame' has "
         "examples, and the family group meets monthly."),
        ("Can methadone interact with the antidepressant they were prescribed?",
         "Some can. Please bring the medicine box to the next visit so the prescriber can check."),
        ("Is there a group for families?",
         "Yes, the family group meets on the first Tuesday of each month; you are welcome."),
    ),
    physical=("Sleeping better, eating more", "Complains of back pain", "Looked tired and pale",
              "Sweating and restless in the evenings"),
    mental=("Calmer at home", "Irritable and withdrawn this week", "Worried about work",
            "Low mood, staying in bed"),
    medical=("Started antibiotics for a chest infection", "Missed the hepatitis C appointment",
             "Dentist appointment next week"),
    emergency=("Very drowsy and hard to wake, breathing slowly", "Confused after a night out",
               "Took someone else's tablets"),
    emergency_action="Called back within minutes: advised calling 999 and giving naloxone; "
                     "ambulance attended, patient reviewed at the clinic the next day",
    actions=("Discussed at the team meeting; the psychologist will call the family",
             "Prescriber review booked for this week",
             "Family sent the relapse prevention module",
             "Noted; no further action needed"),
    outreach_notes={
        OutreachOutcome.REACHED: "Spoke with them; agreed to come in tomorrow",
        OutreachOutcome.NO_ANSWER: "No answer; will try again",
        OutreachOutcome.MESSAGE_SENT: "Left a message asking them to call the clinic",
        OutreachOutcome.WRONG_NUMBER: "Number no longer in use; asked the family for a new one",
        OutreachOutcome.DECLINED: "Does not want contact at the moment",
    },
    consent_purpose="family education and support",
)


@dataclass(frozen=True)
class _Site:
    code: str
    name: str
    prefix: str
    psychologist: str
    share: float
    words: _Words
    channels: tuple[tuple[Channel, float], ...]
    substances: tuple[tuple[str, float], ...]
    email_share: float
    working_days: str = "mon-fri"


_SITES = (
    _Site(
        code="DEMO-TEH",
        name="Demo Clinic Tehran (synthetic)",
        prefix="TEH",
        psychologist="psych.teh",
        working_days="sat-wed",
        share=0.6,
        words=_FA,
        channels=((Channel.TELEGRAM, 60), (Channel.WHATSAPP, 15), (Channel.SMS, 10),
                  (Channel.PHONE_CALL, 15)),
        substances=(("opium", 45), ("heroin", 40), ("prescription_opioids", 15)),
        email_share=0.15,
    ),
    _Site(
        code="DEMO-LDN",
        name="Demo Clinic London (synthetic)",
        prefix="LDN",
        psychologist="psych.ldn",
        share=0.4,
        words=_EN,
        channels=((Channel.WHATSAPP, 35), (Channel.EMAIL, 25), (Channel.SMS, 25),
                  (Channel.PHONE_CALL, 15)),
        substances=(("heroin", 65), ("prescription_opioids", 30), ("opium", 5)),
        email_share=0.8,
    ),
)

# username, role, clinics (None: both), display name, language
_STAFF: tuple[tuple[str, Role, str | None, str, str], ...] = (
    ("admin", Role.ADMIN, None, "Demo Admin", "en"),
    ("supervisor", Role.SUPERVISOR, None, "Demo Supervisor", "en"),
    ("psych.teh", Role.PSYCHOLOGIST, "DEMO-TEH", "روان‌شناس نمونه", "fa"),
    ("psych.ldn", Role.PSYCHOLOGIST, "DEMO-LDN", "Demo Psychologist", "en"),
    ("caseteam", Role.CASE_TEAM, None, "Demo Case Team", "en"),
)


# --------------------------------------------------------------------------------------------
# Content library: every module in Persian and in English.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ModuleSpec:
    slug: str
    kind: ContentKind
    seconds: int | None
    title_en: str
    title_fa: str
    summary_en: str
    summary_fa: str
    topics: tuple[str, ...]
    medications: tuple[str, ...] = ("any",)
    relations: tuple[str, ...] = ("any",)
    phases: tuple[str, ...] = ("any",)
    living: tuple[str, ...] = ("any",)
    dose_band: str = "any"
    retired: bool = False


_MODULES = (
    _ModuleSpec("what-is-mat", ContentKind.VIDEO, 420, "What is medication-assisted treatment?",
                "درمان نگهدارنده با دارو چیست؟",
                "How daily medication steadies the brain and why it is treatment, not a swap.",
                "چگونه داروی روزانه مغز را آرام می‌کند و چرا درمان است، نه جایگزینی.",
                ("what_is_mat",), phases=("induction", "stabilisation")),
    _ModuleSpec("methadone-basics", ContentKind.AUDIO, 600, "Methadone: the basics",
                "آشنایی با متادون", "Dosing, side effects and why the first weeks matter.",
                "دوز، عوارض و اهمیت هفته‌های اول.", ("what_is_mat",),
                medications=("methadone",)),
    _ModuleSpec("buprenorphine-basics", ContentKind.TEXT, 300, "Buprenorphine: the basics",
                "آشنایی با بوپرنورفین", "How buprenorphine works and what families notice.",
                "بوپرنورفین چگونه اثر می‌کند و خانواده چه می‌بیند.", ("what_is_mat",),
                medications=("buprenorphine",)),
    _ModuleSpec("naltrexone-basics", ContentKind.TEXT, 240, "Naltrexone: the basics",
                "آشنایی با نالترکسون", "Blocking opioids, and why tolerance is gone.",
                "مسدود کردن اثر مواد افیونی و از بین رفتن تحمل.", ("what_is_mat",),
                medications=("naltrexone",)),
    _ModuleSpec("overdose-and-naloxone", ContentKind.VIDEO, 360, "Overdose and naloxone",
                "بیش‌مصرفی و نالوکسان", "Recognising an overdose and giving naloxone.",
                "شناختن بیش‌مصرفی و استفاده از نالوکسان.", ("overdose_and_naloxone",)),
    _ModuleSpec("missed-doses-and-tolerance", ContentKind.AUDIO, 300,
                "Missed doses and falling tolerance", "دوزهای فراموش‌شده و کاهش تحمل",
                "Why three missed days change what is safe.",
                "چرا سه روز دوز فراموش‌شده ایمنی را تغییر می‌دهد.", ("overdose_and_naloxone",),
                medications=("methadone", "buprenorphine"), dose_band="high"),
    _ModuleSpec("relapse-prevention", ContentKind.AUDIO, 720, "Preventing relapse together",
                "پیشگیری از لغزش", "Early signs, triggers and a plan the family agrees on.",
                "نشانه‌های اولیه، محرک‌ها و برنامه‌ای که خانواده بر آن توافق دارد.",
                ("relapse_prevention",), phases=("stabilisation", "maintenance", "taper")),
    _ModuleSpec("talking-without-blame", ContentKind.VIDEO, 540, "Talking without blame",
                "گفت‌وگو بدون سرزنش", "Conversations that keep the door open.",
                "گفت‌وگوهایی که در را باز نگه می‌دارند.", ("communication",)),
    _ModuleSpec("self-care-for-families", ContentKind.AUDIO, 900, "Looking after yourself",
                "مراقبت از خود برای خانواده‌ها", "Support for the supporter: rest, limits, help.",
                "حمایت از حامی: استراحت، مرزها و کمک گرفتن.", ("self_care_for_families",),
                relations=("mother", "father", "spouse", "partner")),
    _ModuleSpec("supporting-a-taper", ContentKind.TEXT, 420, "Supporting a taper",
                "همراهی در دوره‌ی کاهش تدریجی",
                "The end of a taper is a time of high risk: what helps.",
                "پایان کاهش تدریجی زمان پرخطری است: چه چیزی کمک می‌کند.",
                ("taper_support", "overdose_and_naloxone"), phases=("taper", "aftercare"),
                dose_band="low"),
    _ModuleSpec("hepatitis-and-hiv", ContentKind.LINK, None,
                "Hepatitis and HIV: tests and vaccines",
                "هپاتیت و اچ‌آی‌وی: آزمایش و واکسن", "Where to get tested and vaccinated.",
                "کجا آزمایش و واکسن انجام دهیم.", ("hepatitis_and_hiv",)),
    _ModuleSpec("emergency-plan", ContentKind.TEXT, 300, "A family emergency plan",
                "برنامه‌ی اضطراری خانواده", "Numbers, naloxone and who does what.",
                "شماره‌ها، نالوکسان و اینکه چه کسی چه می‌کند.",
                ("emergency_plan", "overdose_and_naloxone")),
    _ModuleSpec("when-a-parent-is-in-treatment", ContentKind.TEXT, 360,
                "When a parent is in treatment", "وقتی پدر یا مادر در درمان است",
                "Honest, age-appropriate conversations.", "گفت‌وگوی صادقانه و متناسب با سن.",
                ("communication",), relations=("child", "spouse", "partner")),
    _ModuleSpec("housing-and-support", ContentKind.LINK, None, "Housing and social support",
                "مسکن و حمایت اجتماعی", "Services that help with a stable place to live.",
                "خدماتی برای داشتن جای زندگی پایدار.", ("self_care_for_families",),
                living=("unstable_housing", "alone")),
    _ModuleSpec("what-is-mat-2019", ContentKind.VIDEO, 600,
                "What is medication-assisted treatment? (2019 edition)",
                "درمان نگهدارنده با دارو چیست؟ (ویرایش ۲۰۱۹)", "Replaced by the current edition.",
                "با ویرایش جدید جایگزین شده است.", ("what_is_mat",), retired=True),
)

_EXTENSIONS = {ContentKind.AUDIO: "mp3", ContentKind.VIDEO: "mp4", ContentKind.TEXT: "html",
               ContentKind.LINK: "html"}


@dataclass(frozen=True)
class _Module:
    id: int
    medications: tuple[str, ...]
    relations: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# Buffered bulk writer.
# --------------------------------------------------------------------------------------------

_WRITE_ORDER: tuple[type[Base], ...] = (
    ContentModule,
    Patient,
    PhaseChange,
    DoseEvent,
    UrineScreen,
    SupportMember,
    Consent,
    Assignment,
    EngagementEvent,
    FamilyQuestion,
    Answer,
    ConditionReport,
    OutreachAttempt,
)


class _Writer:
    """Buffers plain-dict rows per table and writes them with Core bulk inserts, parents first.

    Any buffer reaching the chunk size flushes every buffer in foreign-key order, so a child row
    never reaches the database before its parent.
    """

    def __init__(self, session: Session, chunk_rows: int) -> None:
        self._session = session
        self._chunk_rows = chunk_rows
        self.tables: list[Table] = [cast(Table, model.__table__) for model in _WRITE_ORDER]
        self._buffers: dict[str, list[Row]] = {table.name: [] for table in self.tables}
        self._next_ids: dict[str, int] = {}
        for table in self.tables:
            highest = session.scalar(select(func.max(table.c.id)))
            self._next_ids[table.name] = (highest or 0) + 1
        self.counts: dict[str, int] = {table.name: 0 for table in self.tables}

    def next_id(self, table: str) -> int:
        value = self._next_ids[table]
        self._next_ids[table] = value + 1
        return value

    def buffer(self, table: str) -> list[Row]:
        """The list to append rows to; call :meth:`full` after appending."""
        return self._buffers[table]

    def add(self, table: str, row: Row) -> None:
        rows = self._buffers[table]
        rows.append(row)
        if len(rows) >= self._chunk_rows:
            self.flush()

    def full(self, rows: list[Row]) -> None:
        if len(rows) >= self._chunk_rows:
            self.flush()

    def flush(self) -> None:
        for table in self.tables:
            rows = self._buffers[table.name]
            if rows:
                self._session.execute(insert(table), rows)
                self.counts[table.name] += len(rows)
                rows.clear()

    def reset_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids written here, for later inserts."""
        if self._session.get_bind().dialect.name != "postgresql":
            return
        for table in self.tables:
            self._session.execute(
                select(
                    func.setval(
                        func.pg_get_serial_sequence(table.name, "id"),
                        select(func.max(table.c.id)).scalar_subquery(),
                    )
                )
            )


# --------------------------------------------------------------------------------------------
# Small helpers.
# --------------------------------------------------------------------------------------------


def _pick(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    return rng.choices([value for value, _ in options], [weight for _, weight in options])[0]


def _quota(rng: random.Random, n: int, shares: Sequence[tuple[T, float]]) -> list[T]:
    """Exactly the given shares of ``n`` (largest remainder), in a shuffled order."""
    total = sum(share for _, share in shares)
    exact = [n * share / total for _, share in shares]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    drawn = [value for (value, _), count in zip(shares, counts, strict=True)
             for _ in range(count)]
    rng.shuffle(drawn)
    return drawn


def _day_between(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _moment_between(rng: random.Random, first: datetime, last: datetime) -> datetime:
    if last <= first:
        return first
    return first + timedelta(minutes=rng.randint(0, int((last - first).total_seconds() // 60)))


def _office_time(rng: random.Random, day: date, now: datetime) -> datetime:
    """A moment during clinic hours on ``day``, never after ``now``."""
    moment = datetime.combine(day, time(8, 0)) + timedelta(minutes=rng.randint(0, 9 * 60))
    return min(moment, now)


def _round_dose(mg: float, step: float) -> float:
    return max(step, round(mg / step) * step)


# --------------------------------------------------------------------------------------------
# Treatment course: the phase history and the dates the dose and screen generators follow.
# --------------------------------------------------------------------------------------------


@dataclass
class _Course:
    pattern: Pattern
    admission: date
    end: date  # first day without a scheduled dose (exclusive)
    changes: list[tuple[date, Phase | None, Phase, str]] = field(default_factory=list)
    stabilise_day: int = 14
    maintain_day: int = 75
    discharged_on: date | None = None
    relapse: tuple[date, date] | None = None  # relapse start, step-up day
    step_up_on: date | None = None
    stop_on: date | None = None  # drop-out: first day not attending
    streak_from: date | None = None  # current missed streak: first missed day
    taper: tuple[date, date] | None = None  # taper start, (planned) aftercare start

    @property
    def phase(self) -> Phase:
        return self.changes[-1][2]

    @property
    def phase_since(self) -> date:
        return self.changes[-1][0]

    def move(self, day: date, to: Phase, reason: str) -> None:
        previous = self.changes[-1][2] if self.changes else None
        self.changes.append((day, previous, to, reason))

    def natural(self, before: date, words: _Words) -> None:
        """Induction -> stabilisation -> maintenance, for the steps that fall before ``before``."""
        stabilise = self.admission + timedelta(days=self.stabilise_day)
        maintain = self.admission + timedelta(days=self.maintain_day)
        if stabilise < before:
            self.move(stabilise, Phase.STABILISATION, words.reasons["stabilise"])
        if maintain < before:
            self.move(maintain, Phase.MAINTENANCE, words.reasons["maintain"])


STANDING_CASELOAD = 0.9
"""Of the steady, intermittent and missed-streak patients not in induction, the share already in
treatment when the records begin: maintenance lasts years, so most of a network's caseload was
admitted before any three-year window. At network scale (10,000 patients, 1,095 days) that gives
8.3 million dose rows, where admissions within the window gave 6.3 million; the rest of the
10.95 million patient-days are patients admitted or discharged within the window, and the half of
missed doses that dispensing exports leave without a row."""
STANDING_YEARS = 6
"""How long before the records begin a standing patient may have been admitted."""


def _admission_offset(rng: random.Random, pattern: Pattern, days: int) -> int:
    """Days before as_of; older admissions are likelier, as in a clinic's standing caseload.
    Past ``days - 1`` the patient was admitted before the records begin: the phase history
    starts on admission, doses and screens on the window's first day (``_Builder.records_begin``).
    Relapse, drop-out and taper courses stay inside the window, so their events have records."""
    last = days - 1
    if pattern in (Pattern.STEADY, Pattern.INTERMITTENT, Pattern.MISSED_STREAK):
        draw = rng.random()
        if pattern is not Pattern.MISSED_STREAK and draw < 0.09:
            return rng.randint(0, 13)  # induction in the last two weeks
        if rng.random() < STANDING_CASELOAD:
            return days + rng.randint(0, STANDING_YEARS * 365)
    lowest = {
        Pattern.STEADY: 14,
        Pattern.INTERMITTENT: 14,
        Pattern.RELAPSE_STEP_UP: 120,
        Pattern.DROP_OUT: 45,
        Pattern.TAPER_AFTERCARE: 200,
        Pattern.MISSED_STREAK: 30,
    }[pattern]
    lowest = min(lowest, last)
    return lowest + int((last - lowest) * math.sqrt(rng.random()))


def _build_course(
    rng: random.Random, pattern: Pattern, admission: date, as_of: date, words: _Words
) -> _Course:
    course = _Course(pattern, admission, end=as_of + ONE_DAY,
                     stabilise_day=rng.randint(10, 16), maintain_day=rng.randint(60, 90))
    course.move(admission, Phase.INDUCTION, words.reasons["admission"])
    available = (as_of - admission).days
    if pattern is Pattern.RELAPSE_STEP_UP:
        _relapse_course(rng, course, as_of, words, available)
    elif pattern is Pattern.DROP_OUT:
        _drop_out_course(rng, course, as_of, words, available)
    elif pattern is Pattern.TAPER_AFTERCARE:
        _taper_course(rng, course, as_of, words, available)
    else:
        course.natural(as_of + ONE_DAY, words)
        if pattern is Pattern.MISSED_STREAK:
            streak = min(rng.randint(3, 6), max(available, 1))
            course.streak_from = as_of - timedelta(days=streak - 1)
    return course


def _relapse_course(
    rng: random.Random, course: _Course, as_of: date, words: _Words, available: int
) -> None:
    admission = course.admission
    relapse_days = min(rng.randint(10, 28), max(available - 3, 1))
    lowest = max(admission + timedelta(days=course.stabilise_day + 7 + relapse_days),
                 as_of - timedelta(days=150))
    highest = as_of - timedelta(days=2)
    step_up = _day_between(rng, min(lowest, highest), highest)
    start = max(step_up - timedelta(days=relapse_days), admission + ONE_DAY)
    maintain = admission + timedelta(days=course.maintain_day)
    room = (start - maintain).days
    if room >= 45 and rng.random() < 0.35:
        taper_start = maintain + timedelta(days=rng.randint(30, room - 14))
        course.natural(taper_start, words)
        course.move(taper_start, Phase.TAPER, words.reasons["taper"])
        course.taper = (taper_start, taper_start + timedelta(days=90))
    else:
        course.natural(step_up, words)
    course.relapse = (start, step_up)
    before = course.phase
    if before is Phase.INDUCTION:
        return  # a rocky induction: missed doses and positives, no step to go back to
    stepped = PHASE_ORDER[PHASE_ORDER.index(before) - 1]
    course.move(step_up, stepped, words.reasons["step_up"])
    course.step_up_on = step_up
    if before is Phase.TAPER:
        return  # back in maintenance after a relapse in taper: no hurry to taper again
    back = step_up + timedelta(days=rng.randint(14, 21) if before is Phase.STABILISATION
                               else rng.randint(30, 60))
    if back <= as_of:
        course.move(back, before, words.reasons["restabilised"])


def _drop_out_course(
    rng: random.Random, course: _Course, as_of: date, words: _Words, available: int
) -> None:
    admission = course.admission
    gap = min(rng.randint(14, 30), max(available - 7, 1))
    first = admission + timedelta(days=min(7, available))
    stop = _day_between(rng, first, as_of - timedelta(days=gap))
    discharged = min(stop + timedelta(days=gap), as_of)
    if discharged <= admission:
        discharged = admission + ONE_DAY
    course.natural(discharged, words)
    away = (discharged - stop).days
    course.move(discharged, Phase.DISCHARGED,
                words.reasons["discharge"].format(days=words.number(away)))
    course.stop_on = stop
    course.discharged_on = discharged
    course.end = discharged


def _taper_course(
    rng: random.Random, course: _Course, as_of: date, words: _Words, available: int
) -> None:
    admission = course.admission
    needed = course.maintain_day + 30 + 14
    if available < needed:  # a short demo window: the same course, compressed
        scale = available / needed
        course.stabilise_day = max(3, int(course.stabilise_day * scale))
        course.maintain_day = max(course.stabilise_day + 3, int(course.maintain_day * scale))
    least_in_maintenance = min(90, max(7, available - course.maintain_day - 30))
    earliest = admission + timedelta(days=course.maintain_day + least_in_maintenance)
    earliest = min(earliest, as_of - ONE_DAY)
    room = (as_of - earliest).days
    if room >= 45 and rng.random() < 0.5:  # finished: in aftercare on as_of
        length = rng.randint(min(60, room - 15), min(120, room - 1))
        aftercare = as_of - timedelta(days=rng.randint(1, room - length))
        start = aftercare - timedelta(days=length)
    else:  # still tapering on as_of
        length = rng.randint(60, 120)
        elapsed = rng.randint(min(7, room), max(min(length - 7, room), min(7, room)))
        start = as_of - timedelta(days=elapsed)
        aftercare = start + timedelta(days=length)
    course.natural(start, words)
    course.move(start, Phase.TAPER, words.reasons["taper"])
    course.taper = (start, aftercare)
    if aftercare <= as_of:
        course.move(aftercare, Phase.AFTERCARE, words.reasons["aftercare"])
        course.end = aftercare


# --------------------------------------------------------------------------------------------
# Patients.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Patient:
    """What the family pass needs to know about a patient written in the patient pass."""

    id: int
    site: _Site
    sex: str
    surname: str
    birth_year: int
    medication: Medication
    living_situation: str
    psychologist_id: int
    course: _Course


@dataclass(frozen=True)
class _Staff:
    psychologists: dict[str, int]  # clinic code -> psychologist id
    supervisor_id: int


class _Builder:
    def __init__(self, session: Session, *, patients: int, days: int, seed: int, as_of: date,
                 progress: Progress | None) -> None:
        self.session = session
        self.patients = patients
        self.days = days
        self.seed = seed
        self.as_of = as_of
        # The window's first day: no dose or screen before it, whenever the admission.
        self.records_begin = as_of - timedelta(days=days - 1)
        self.now = datetime.combine(as_of, DAY_END)
        self.rng = random.Random(seed)
        self.progress = progress
        self.writer = _Writer(session, CHUNK_ROWS)
        self.member_numbers = {site.code: 0 for site in _SITES}
        self.modules: dict[str, list[_Module]] = {"fa": [], "en": []}
        self.clinic_ids: dict[str, int] = {}

    def report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    # --- setup ---------------------------------------------------------------------------------

    def setup(self) -> tuple[dict[str, int], _Staff, list[tuple[str, str, str]]]:
        self.clinic_ids = clinic_ids = {
            site.code: add_clinic(self.session, code=site.code, name=site.name,
                                  actor=DEMO_ACTOR).id
            for site in _SITES
        }
        for site in _SITES:
            set_clinic_deadline(self.session, clinic_ids[site.code],
                                rule=AnswerDeadline.ONE_WORKING_DAY,
                                working_days=site.working_days, actor=DEMO_ACTOR)
        all_codes = [site.code for site in _SITES]
        ids: dict[str, int] = {}
        logins: list[tuple[str, str, str]] = []
        for username, role, clinic, display, language in _STAFF:
            info = add_user(self.session, username=username, password=DEMO_PASSWORD, role=role,
                            clinic_codes=[clinic] if clinic else all_codes, actor=DEMO_ACTOR,
                            display_name=display, language=language)
            ids[username] = info.id
            logins.append((username, DEMO_PASSWORD, role.value))
        staff = _Staff(psychologists={site.code: ids[site.psychologist] for site in _SITES},
                       supervisor_id=ids["supervisor"])
        self.write_modules()
        return clinic_ids, staff, logins

    def write_modules(self) -> None:
        created = datetime.combine(self.as_of - timedelta(days=self.days + 30), time(9, 0))
        for spec in _MODULES:
            for language in ("fa", "en"):
                module_id = self.writer.next_id("content_module")
                tags = {
                    "relations": list(spec.relations),
                    "sexes": ["any"],
                    "substances": ["any"],
                    "medications": list(spec.medications),
                    "dose_band": spec.dose_band,
                    "phases": list(spec.phases),
                    "living_situations": list(spec.living),
                    "topics": list(spec.topics),
                }
                self.writer.add("content_module", {
                    "id": module_id,
                    "code": f"mod-{spec.slug}-{language}",
                    "title": spec.title_fa if language == "fa" else spec.title_en,
                    "summary": spec.summary_fa if language == "fa" else spec.summary_en,
                    "kind": spec.kind.value,
                    "language": language,
                    "location": f"https://example.org/hamrah-demo/{language}/{spec.slug}."
                                f"{_EXTENSIONS[spec.kind]}",
                    "duration_seconds": spec.seconds,
                    "tags": tags,
                    "retired": spec.retired,
                    "created_at": created,
                    "updated_at": created + timedelta(days=20 if spec.retired else 0),
                })
                if not spec.retired:
                    self.modules[language].append(
                        _Module(module_id, spec.medications, spec.relations))

    # --- patient pass -------------------------------------------------------------------------

    def write_patients(self, clinic_ids: dict[str, int], staff: _Staff) -> list[_Patient]:
        rng = self.rng
        patterns = _quota(rng, self.patients, PATTERN_SHARES)
        medications = _quota(rng, self.patients, ((Medication.METHADONE, 0.75),
                                                  (Medication.BUPRENORPHINE, 0.20),
                                                  (Medication.NALTREXONE, 0.05)))
        numbers = {site.code: 0 for site in _SITES}
        written: list[_Patient] = []
        for start in range(0, self.patients, PATIENT_BATCH):
            for index in range(start, min(start + PATIENT_BATCH, self.patients)):
                site = _pick(rng, [(s, s.share) for s in _SITES])
                numbers[site.code] += 1
                written.append(self.write_patient(
                    site, clinic_ids[site.code], numbers[site.code], patterns[index],
                    medications[index], staff))
            self.writer.flush()
            self.report("patients", len(written), self.patients)
        return written

    def write_patient(self, site: _Site, clinic_id: int, number: int, pattern: Pattern,
                      medication: Medication, staff: _Staff) -> _Patient:
        rng, words, as_of = self.rng, site.words, self.as_of
        admission = as_of - timedelta(days=_admission_offset(rng, pattern, self.days))
        sex = _pick(rng, ((Sex.MALE.value, 75), (Sex.FEMALE.value, 23), (Sex.OTHER.value, 2)))
        first_names = {"M": words.male, "F": words.female}.get(sex, words.neutral)
        surname = rng.choice(words.surnames)
        birth_year = rng.randint(1960, 2002)
        co_used = [name for name, share in (("methamphetamine", 0.2 if site.prefix == "TEH"
                                             else 0.08), ("cannabis", 0.15))
                   if rng.random() < share]
        living = _pick(rng, (("with_family", 45), ("with_partner", 25), ("alone", 20),
                             ("unstable_housing", 10)))
        course = _build_course(rng, pattern, admission, as_of, words)
        patient_id = self.writer.next_id("patient")
        dose_on, dose_mg = self.dose_schedule(course, medication)
        psychologist_id = staff.psychologists[site.code]
        self.writer.add("patient", {
            "id": patient_id,
            "clinic_id": clinic_id,
            "code": f"{site.prefix}-{number:04d}",
            "first_name": rng.choice(first_names),
            "last_name": words.marked(surname),
            "sex": sex,
            "birth_year": birth_year,
            "primary_substance": _pick(rng, site.substances),
            "co_used_substances": ",".join(co_used) or None,
            "medication": medication.value,
            "dose_mg": dose_mg,
            "admission_date": admission,
            "discharged_on": course.discharged_on,
            "phase": course.phase.value,
            "phase_since": course.phase_since,
            "psychologist_id": psychologist_id,
            "living_situation": living,
            "employment": _pick(rng, (("employed", 40), ("unemployed", 40), ("student", 5),
                                      ("other", 15))),
            "oud_criteria_count": _pick(rng, [(n, 3 if n < 6 else 8) for n in range(2, 12)]),
            "hbv_status": _pick(rng, (("vaccinated", 40), ("negative", 35), ("positive", 3),
                                      ("unknown", 22))),
            "hcv_status": _pick(rng, (("negative", 60), ("positive", 20), ("unknown", 20))),
            "hiv_status": _pick(rng, (("negative", 80), ("positive", 3), ("unknown", 17))),
            "created_at": datetime.combine(admission, time(9, 0)),
            "updated_at": datetime.combine(course.phase_since, time(11, 0)),
        })
        for changed_on, from_phase, to_phase, reason in course.changes:
            self.writer.add("phase_change", {
                "id": self.writer.next_id("phase_change"),
                "patient_id": patient_id,
                "from_phase": None if from_phase is None else from_phase.value,
                "to_phase": to_phase.value,
                "changed_on": changed_on,
                "reason": reason,
                "override_reason": None,
                "unmet_criteria": None,
                "by_user_id": staff.supervisor_id,
                "created_at": datetime.combine(changed_on, time(11, 0)),
            })
        self.write_doses(patient_id, course, dose_on)
        self.write_screens(patient_id, course, medication, co_used)
        return _Patient(patient_id, site, sex, surname, birth_year, medication, living,
                        psychologist_id, course)

    def dose_schedule(
        self, course: _Course, medication: Medication
    ) -> tuple[Callable[[int], float], float]:
        """The prescribed dose by day in treatment, and the dose to show on the patient row."""
        rng, admission = self.rng, course.admission
        if medication is Medication.METHADONE:
            step = 5.0
            target = min(160.0, max(30.0, _round_dose(rng.gauss(90, 22), step)))
            first_dose = min(target, float(rng.choice((20, 25, 30))))
            titration, increment, lowest = rng.randint(28, 45), float(rng.choice((10, 15, 20))), 5.0
            ceiling = 160.0
        elif medication is Medication.BUPRENORPHINE:
            step = 2.0
            target = float(_pick(rng, ((4, 5), (8, 15), (12, 25), (16, 30), (20, 15), (24, 10))))
            first_dose = min(target, 4.0)
            titration, increment, lowest, ceiling = rng.randint(5, 14), 4.0, 2.0, 24.0
        else:  # daily oral naltrexone: 25 mg for a few days, then 50 mg
            step, target, first_dose = 25.0, 50.0, 25.0
            titration, increment, lowest, ceiling = 3, 0.0, 50.0, 50.0
        titration = min(titration, course.maintain_day)
        raised = min(ceiling, target + increment)

        scheduled = (course.end - admission).days
        taper_from = taper_to = scheduled + 1
        taper_days = 1
        if course.taper is not None:
            taper_from = (course.taper[0] - admission).days
            taper_days = max(1, (course.taper[1] - course.taper[0]).days)
            taper_to = taper_from + taper_days
        step_up = scheduled + 1
        after_step_up = target
        if course.step_up_on is not None:
            step_up = (course.step_up_on - admission).days
            if course.taper is not None:  # taper interrupted: back to the maintenance dose
                taper_to = min(taper_to, step_up)
            else:
                after_step_up = raised

        def dose_on(offset: int) -> float:
            if offset < titration:
                return _round_dose(first_dose + (target - first_dose) * offset / titration, step)
            if taper_from <= offset < taper_to and medication is not Medication.NALTREXONE:
                done = (offset - taper_from) / taper_days
                return _round_dose(target - (target - lowest) * done, step)
            if offset >= step_up:
                return after_step_up
            return target

        if course.phase is Phase.AFTERCARE:
            current = 0.0
        elif course.discharged_on is not None:
            last_visit = (course.stop_on or course.discharged_on) - ONE_DAY
            current = dose_on(max(0, (last_visit - admission).days))
        else:
            current = dose_on((self.as_of - admission).days)
        return dose_on, current

    def write_doses(self, patient_id: int, course: _Course,
                    dose_on: Callable[[int], float]) -> None:
        """Write the dose rows of one patient, from admission to the end of dosing."""
        rng = self.rng
        chance = rng.random
        admission, pattern = course.admission, course.pattern
        scheduled = (course.end - admission).days
        miss = {Pattern.STEADY: 0.03, Pattern.TAPER_AFTERCARE: 0.03,
                Pattern.MISSED_STREAK: 0.05, Pattern.RELAPSE_STEP_UP: 0.05,
                Pattern.DROP_OUT: 0.06, Pattern.INTERMITTENT: rng.uniform(0.08, 0.15)}[pattern]
        gap_rate = 1 / 35 if pattern is Pattern.INTERMITTENT else 0.0
        relapse_from = relapse_to = scheduled + 1
        if course.relapse is not None:
            relapse_from = (course.relapse[0] - admission).days
            relapse_to = (course.relapse[1] - admission).days
        absent_from = scheduled + 1
        if course.stop_on is not None:
            absent_from = (course.stop_on - admission).days
        elif course.streak_from is not None:
            absent_from = (course.streak_from - admission).days
        decline_from = absent_from - 21 if pattern is Pattern.DROP_OUT else scheduled + 1
        take_home_share = 0.0
        if pattern in (Pattern.STEADY, Pattern.TAPER_AFTERCARE) and chance() < 0.7:
            take_home_share = rng.uniform(0.15, 0.5)
        take_home_from = max(31, course.maintain_day)

        rows = self.writer.buffer("dose_event")
        next_id = self.writer.next_id
        taken_kind, home_kind = DoseKind.OBSERVED.value, DoseKind.TAKE_HOME.value
        taken, missed = DoseStatus.TAKEN.value, DoseStatus.MISSED.value
        gap_left = 0
        first = max(0, (self.records_begin - admission).days)
        day = admission + timedelta(days=first)
        for offset in range(first, scheduled):
            if offset >= absent_from:
                is_missed = True
            elif offset == absent_from - 1:
                is_missed = False  # the last visit before the absence
            elif gap_left > 0:
                gap_left -= 1
                is_missed = True
            else:
                if relapse_from <= offset < relapse_to:
                    p = 0.35
                elif offset >= decline_from:
                    p = miss + 0.45 * (offset - decline_from) / 21
                else:
                    p = miss
                if gap_rate and chance() < gap_rate:
                    gap_left = rng.randint(1, 3)
                    is_missed = True
                else:
                    is_missed = chance() < p
            if is_missed:
                # Dispensing exports often list only the doses given: half the misses have no row.
                if chance() < 0.5:
                    rows.append({"id": next_id("dose_event"), "patient_id": patient_id,
                                 "dose_date": day, "dose_mg": None, "kind": taken_kind,
                                 "status": missed})
            else:
                kind = taken_kind
                if take_home_share and offset >= take_home_from and chance() < take_home_share:
                    kind = home_kind
                rows.append({"id": next_id("dose_event"), "patient_id": patient_id,
                             "dose_date": day, "dose_mg": dose_on(offset), "kind": kind,
                             "status": taken})
            if len(rows) >= CHUNK_ROWS:
                self.writer.flush()
            day += ONE_DAY

    def write_screens(self, patient_id: int, course: _Course, medication: Medication,
                      co_used: list[str]) -> None:
        rng, admission = self.rng, course.admission
        last = self.as_of
        if course.discharged_on is not None:
            last = course.discharged_on - ONE_DAY
        if course.stop_on is not None:
            last = min(last, course.stop_on - ONE_DAY)
        if course.streak_from is not None:
            last = min(last, course.streak_from - ONE_DAY)
        dates = {admission} if admission >= self.records_begin else set()
        block = max(admission + ONE_DAY, self.records_begin)
        while block <= last:  # one random screen in every 30 days, about monthly
            block_end = min(block + timedelta(days=29), last)
            if (block_end - block).days >= 6 or rng.random() < ((block_end - block).days + 1) / 30:
                dates.add(_day_between(rng, block, block_end))
            block += timedelta(days=30)
        if course.relapse is not None:  # weekly while relapsing and for four weeks after
            day = course.relapse[0]
            while day <= min(last, course.relapse[1] + timedelta(days=28)):
                dates.add(day + timedelta(days=rng.randint(0, 2)))
                day += timedelta(days=7)
        medication_substance = {Medication.METHADONE: "methadone",
                                Medication.BUPRENORPHINE: "buprenorphine"}.get(medication)
        meth = "methamphetamine" in co_used
        cannabis = "cannabis" in co_used
        aftercare = course.taper[1] if course.taper is not None else None
        base_opioid = {Pattern.INTERMITTENT: 0.15, Pattern.DROP_OUT: 0.08}.get(course.pattern,
                                                                              0.03)
        rows = self.writer.buffer("urine_screen")
        for day in sorted(d for d in dates if d <= last):
            relapsing = course.relapse is not None and \
                course.relapse[0] <= day < course.relapse[1] + timedelta(days=14)
            declining = course.stop_on is not None and day >= course.stop_on - timedelta(days=21)
            if day == admission:
                opioid_p = 0.75
            elif relapsing:
                opioid_p = 0.6
            elif declining:
                opioid_p = 0.35
            elif (day - admission).days < course.stabilise_day:
                opioid_p = 0.3
            else:
                opioid_p = base_opioid
            results: list[tuple[str, bool, bool]] = [(OPIOIDS, rng.random() < opioid_p, False)]
            if medication_substance and (aftercare is None or day < aftercare):
                results.append((medication_substance, rng.random() < 0.97, True))
            results.append((AMPHETAMINES, rng.random() < ((0.5 if relapsing else 0.25) if meth
                                                          else 0.015), False))
            results.append((CANNABIS, rng.random() < (0.35 if cannabis else 0.02), False))
            results.append((BENZODIAZEPINES, rng.random() < (0.1 if relapsing else 0.03), False))
            for substance, positive, expected in results:
                rows.append({
                    "id": self.writer.next_id("urine_screen"),
                    "patient_id": patient_id,
                    "screen_date": day,
                    "substance": substance,
                    "result": (ScreenResult.POSITIVE if positive else ScreenResult.NEGATIVE).value,
                    "expected": expected,
                })
        self.writer.full(rows)

    # --- family pass --------------------------------------------------------------------------

    def write_families(self, patients: list[_Patient]) -> None:
        rng, now = self.rng, self.now
        plans = [self.plan_family(patient) for patient in patients]
        # A few families of patients in taper have gone quiet for two to four weeks: the end of a
        # taper is a time of high risk, so the dashboard should show them.
        tapering = [i for i, patient in enumerate(patients)
                    if patient.course.phase is Phase.TAPER
                    and any(state == "active" for _, state in plans[i].members)]
        for i in rng.sample(tapering, math.ceil(len(tapering) * 0.3)):
            plans[i].quiet_since = now - timedelta(days=rng.randint(14, 29))
        askers = [i for i, plan in enumerate(plans)
                  if any(state == "active" for _, state in plan.members)]
        for _ in range(round(len(patients) / 3) if askers else 0):
            plans[rng.choice(askers)].questions += 1
        reporters = [i for i, plan in enumerate(plans) if plan.members]
        reports = [rng.choice(reporters) for _ in range(round(len(patients) / 4) if reporters
                                                        else 0)]
        if reporters and not reports:
            reports = [rng.choice(reporters)]
        reports.sort()
        engaged = [n for n, i in enumerate(reports) if plans[i].quiet_since is None]
        emergencies = sorted(rng.sample(engaged, min(rng.randint(3, 6), len(engaged))))
        unacknowledged = rng.sample(emergencies, min(rng.randint(1, 2), len(emergencies)))
        for n, i in enumerate(reports):
            plans[i].reports.append((n in emergencies, n in unacknowledged))
        for start in range(0, len(patients), PATIENT_BATCH):
            for index in range(start, min(start + PATIENT_BATCH, len(patients))):
                self.write_family(patients[index], plans[index])
            self.writer.flush()
            self.report("family", min(start + PATIENT_BATCH, len(patients)), len(patients))

    def plan_family(self, patient: _Patient) -> _FamilyPlan:
        rng = self.rng
        # About 2.5 support members per patient (issue #8: 25,000 for 10,000 patients).
        count = _pick(rng, ((0, 6), (1, 14), (2, 26), (3, 28), (4, 26)))
        relations: list[Relation] = []
        while len(relations) < count:
            relation = _pick(rng, _RELATIONS)
            if relation in relations and relation in _ONE_ONLY:
                continue
            if {relation, *relations} >= {Relation.SPOUSE, Relation.PARTNER}:
                continue
            if relation is Relation.CHILD and patient.birth_year > 1986:
                continue
            relations.append(relation)
        members = [(relation, _pick(rng, (("active", 80), ("expired", 8), ("revoked", 7),
                                          ("none", 5))))
                   for relation in relations]
        profile = _pick(rng, (("engaged", 55), ("low", 25), ("fading", 20)))
        quiet_since = None
        if profile == "fading":
            quiet_since = self.now - timedelta(days=rng.randint(30, 120))
        return _FamilyPlan(members, profile, quiet_since)

    def write_family(self, patient: _Patient, plan: _FamilyPlan) -> None:
        members = [self.write_member(patient, plan, relation, state)
                   for relation, state in plan.members]
        for _ in range(plan.questions):
            self.write_question(patient, plan, members)
        for emergency, unacknowledged in plan.reports:
            self.write_report(patient, plan, members, emergency, unacknowledged)
        self.write_outreach(patient, members)

    def write_member(self, patient: _Patient, plan: _FamilyPlan, relation: Relation,
                     state: str) -> _Member:
        rng, as_of, now = self.rng, self.as_of, self.now
        site, words, writer = patient.site, patient.site.words, self.writer
        member_id = writer.next_id("support_member")
        self.member_numbers[site.code] += 1
        code = f"M-{site.prefix}-{self.member_numbers[site.code]:05d}"
        if relation is Relation.MOTHER:
            sex = "F"
        elif relation is Relation.FATHER:
            sex = "M"
        elif relation in (Relation.SPOUSE, Relation.PARTNER) and patient.sex in "MF" \
                and rng.random() < 0.9:
            sex = "F" if patient.sex == "M" else "M"
        else:
            sex = rng.choice("MF")
        same_name = relation in (Relation.MOTHER, Relation.FATHER, Relation.SIBLING,
                                 Relation.CHILD) or (relation is Relation.SPOUSE
                                                     and words.language == "en"
                                                     and rng.random() < 0.6)
        surname = patient.surname if same_name else rng.choice(words.surnames)
        channel = _pick(rng, site.channels)
        if site.prefix == "TEH":
            phone: str | None = f"+98 912 000 {rng.randrange(10_000):04d}"
        else:
            phone = f"+44 7700 900{rng.randrange(1000):03d}"  # Ofcom's range for drama
        email = None
        if channel is Channel.EMAIL or rng.random() < site.email_share:
            email = f"{code.lower()}@example.org"
        if channel is Channel.EMAIL and rng.random() < 0.3:
            phone = None
        joined = min(patient.course.admission + timedelta(days=rng.randint(0, 14)), as_of)
        created = _office_time(rng, joined, now)
        writer.add("support_member", {
            "id": member_id,
            "clinic_id": self.clinic_ids[site.code],
            "code": code,
            "patient_id": patient.id,
            "relation": relation.value,
            "first_name": rng.choice(words.female if sex == "F" else words.male),
            "last_name": words.marked(surname),
            "phone": phone,
            "email": email,
            "channel": channel.value,
            "language": words.language,
            "active": rng.random() < 0.95,
            "telegram_chat_id": None,  # never a real chat: the demo must not reach anyone
            "created_at": created,
        })
        member = _Member(member_id, relation, channel, created, None)
        if state != "none":
            member.consent = self.write_consent(patient, member, state, joined)
        if member.consent is not None:
            self.write_assignments(patient, plan, member)
            self.write_engagement(plan, member)
        return member

    def write_consent(self, patient: _Patient, member: _Member, state: str,
                      joined: date) -> tuple[date, date, str]:
        """Write one consent; return the days it was active (first, last) and its state."""
        rng, as_of = self.rng, self.as_of
        length = rng.randint(182, 365)
        latest_expired_signing = as_of - timedelta(days=length + 1)
        if state == "expired" and latest_expired_signing < joined:
            state = "active"
        revoked = None
        if state == "active":
            earliest = max(joined, as_of - timedelta(days=length - 1))
            if joined >= earliest:
                signed = min(joined + timedelta(days=rng.randint(0, 7)), as_of)
            else:  # renewed: the earlier consents are not part of the demo
                signed = _day_between(rng, earliest, min(as_of, earliest + timedelta(days=60)))
        elif state == "expired":
            signed = _day_between(rng, joined,
                                  min(latest_expired_signing, joined + timedelta(days=14)))
        else:
            signed = min(joined + timedelta(days=rng.randint(0, 7)), as_of)
            revoked = _day_between(rng, signed, as_of)
        expires = signed + timedelta(days=length)
        last = min(as_of, expires - ONE_DAY)
        if revoked is not None:
            last = min(last, revoked - ONE_DAY)
        self.writer.add("consent", {
            "id": self.writer.next_id("consent"),
            "member_id": member.id,
            "patient_id": patient.id,
            "scope": _pick(rng, ((ConsentScope.EDUCATION.value, 65),
                                 (ConsentScope.EDUCATION_PROGRESS.value, 28),
                                 (ConsentScope.ALL.value, 7))),
            "purpose": patient.site.words.consent_purpose,
            "signed_on": signed,
            "expires_on": expires,
            "revoked_on": revoked,
            "recorded_by_id": patient.psychologist_id,
            "created_at": max(datetime.combine(signed, time(10, 30)), member.created_at),
        })
        return signed, last, state

    def write_assignments(self, patient: _Patient, plan: _FamilyPlan, member: _Member) -> None:
        rng, now, writer = self.rng, self.now, self.writer
        assert member.consent is not None
        first, last, _ = member.consent
        first = max(first, self.as_of - timedelta(days=364))
        if last < first:
            return
        candidates = [m for m in self.modules[patient.site.words.language]
                      if ("any" in m.medications or patient.medication.value in m.medications)
                      and ("any" in m.relations or member.relation.value in m.relations)]
        wanted = min(8, 1 + (last - first).days // 45)
        count = min(rng.randint(max(1, wanted - 1), wanted), len(candidates))
        chosen = rng.sample(candidates, count)
        days = sorted([first] + [_day_between(rng, first, last) for _ in range(count - 1)])
        cut = now if plan.quiet_since is None else plan.quiet_since
        open_share, finish_share = (0.35, 0.4) if plan.profile == "low" else (0.85, 0.75)
        for module, day in zip(chosen, days, strict=True):
            assigned = max(_office_time(rng, day, now), member.created_at)
            sent = delivered = opened = completed = None
            status = DeliveryStatus.QUEUED
            if rng.random() < 0.03:
                sent = assigned + timedelta(minutes=rng.randint(2, 20))
                status = DeliveryStatus.FAILED
            elif now - assigned < timedelta(days=3) and rng.random() < 0.3:
                pass  # still queued: the channel worker has not picked it up yet
            else:
                sent = assigned + timedelta(minutes=rng.randint(1, 30))
                delivered = sent + timedelta(minutes=rng.randint(0, 10))
                if rng.random() < 0.03:
                    delivered = None  # sent, but no delivery receipt came back
                elif rng.random() < open_share:
                    opened = delivered + timedelta(minutes=rng.randint(30, 72 * 60))
                    if rng.random() < finish_share:
                        completed = opened + timedelta(minutes=rng.randint(5, 48 * 60))
                if completed is not None and completed > cut:
                    completed = None
                if opened is not None and opened > cut:
                    opened = None
                if delivered is not None and delivered > now:
                    delivered = None
                if sent > now:
                    sent = None
                status = (DeliveryStatus.COMPLETED if completed else DeliveryStatus.OPENED
                          if opened else DeliveryStatus.DELIVERED if delivered
                          else DeliveryStatus.SENT if sent else DeliveryStatus.QUEUED)
            assignment_id = writer.next_id("assignment")
            writer.add("assignment", {
                "id": assignment_id,
                "module_id": module.id,
                "member_id": member.id,
                "assigned_by_id": patient.psychologist_id,
                "assigned_at": assigned,
                "due_on": day + timedelta(days=rng.choice((7, 14))),
                "note": None,
                "status": status.value,
                "sent_at": sent,
                "delivered_at": delivered,
                "opened_at": opened,
                "completed_at": completed,
            })
            for kind, moment in ((EngagementKind.OPENED, opened),
                                 (EngagementKind.COMPLETED, completed)):
                if moment is not None and moment >= self.now - timedelta(days=365):
                    self.add_event(member, kind, moment, assignment_id)

    def write_engagement(self, plan: _FamilyPlan, member: _Member) -> None:
        """Replies and family sessions while the consent was active, within the last year."""
        rng = self.rng
        assert member.consent is not None
        first_day, last_day, _ = member.consent
        first = max(datetime.combine(first_day, time(8, 0)), self.now - timedelta(days=365),
                    member.created_at)
        last = min(datetime.combine(last_day, DAY_END), self.now,
                   plan.quiet_since or self.now)
        if last <= first:
            return
        months = (last - first).days / 30
        low = plan.profile == "low"
        for kind, per_month in ((EngagementKind.REPLIED, 0.15 if low else 0.8),
                                (EngagementKind.ATTENDED_SESSION, 0.05 if low else 0.4)):
            expected = months * per_month
            count = int(expected) + (1 if rng.random() < expected % 1 else 0)
            for _ in range(count):
                self.add_event(member, kind, _moment_between(rng, first, last), None)

    def add_event(self, member: _Member, kind: EngagementKind, moment: datetime,
                  assignment_id: int | None) -> None:
        self.writer.add("engagement_event", {
            "id": self.writer.next_id("engagement_event"),
            "member_id": member.id,
            "kind": kind.value,
            "occurred_at": moment,
            "assignment_id": assignment_id,
        })

    def write_question(self, patient: _Patient, plan: _FamilyPlan,
                       members: list[_Member]) -> None:
        rng, now, words = self.rng, self.now, patient.site.words
        askers = [m for m in members if m.consent is not None and m.consent[2] == "active"]
        if not askers:
            return
        member = rng.choice(askers)
        assert member.consent is not None
        first = max(now - timedelta(days=90), datetime.combine(member.consent[0], time(8, 0)),
                    member.created_at)
        last = min(now, plan.quiet_since or now)
        if last <= first:
            return
        asked = _moment_between(rng, first, last)
        question, answer = rng.choice(words.questions)
        answered = None
        if rng.random() < (0.4 if now - asked < timedelta(days=2) else 0.93):
            answered = asked + timedelta(minutes=rng.randint(20, 60 * 60))
            if answered > now:
                answered = None
        question_id = self.writer.next_id("family_question")
        self.writer.add("family_question", {
            "id": question_id,
            "member_id": member.id,
            "patient_id": patient.id,
            "body": question,
            "asked_at": asked,
            "due_at": answer_due_at(asked, AnswerDeadline.ONE_WORKING_DAY,
                                    parse_working_week(patient.site.working_days)),
            "assigned_to_id": patient.psychologist_id,
            "answered_at": answered,
        })
        self.add_event(member, EngagementKind.ASKED_QUESTION, asked, None)
        if answered is not None:
            self.writer.add("answer", {
                "id": self.writer.next_id("answer"),
                "question_id": question_id,
                "body": answer,
                "answered_by_id": patient.psychologist_id,
                "answered_at": answered,
            })

    def write_report(self, patient: _Patient, plan: _FamilyPlan, members: list[_Member],
                     emergency: bool, unacknowledged: bool) -> None:
        rng, now, words = self.rng, self.now, patient.site.words
        member = rng.choice(members)
        if unacknowledged:
            reported = max(now - timedelta(minutes=rng.randint(20, 360)), member.created_at)
        else:
            first = max(now - timedelta(days=120), member.created_at)
            last = min(now - timedelta(hours=1), plan.quiet_since or now)
            if last <= first:
                return
            reported = _moment_between(rng, first, last)
        acknowledged: datetime | None = None
        action: str | None = None
        physical: str | None
        mental: str | None
        medical: str | None
        if emergency:
            physical, mental, medical = words.emergency
            severity = ReportSeverity.HIGH
            if not unacknowledged:
                acknowledged = min(reported + timedelta(minutes=rng.randint(3, 45)), now)
                action = words.emergency_action
        else:
            physical = rng.choice(words.physical) if rng.random() < 0.7 else None
            mental = rng.choice(words.mental) if rng.random() < 0.6 else None
            medical = rng.choice(words.medical) if rng.random() < 0.35 else None
            severity = _pick(rng, ((ReportSeverity.LOW, 55), (ReportSeverity.MODERATE, 33),
                                   (ReportSeverity.HIGH, 12)))
            if rng.random() < 0.85:
                acknowledged = reported + timedelta(minutes=rng.randint(30, 48 * 60))
                if acknowledged > now:
                    acknowledged = None
                else:
                    action = rng.choice(words.actions)
        use_share = 0.5 if patient.course.pattern in (Pattern.RELAPSE_STEP_UP,
                                                      Pattern.DROP_OUT) else 0.1
        self.writer.add("condition_report", {
            "id": self.writer.next_id("condition_report"),
            "member_id": member.id,
            "patient_id": patient.id,
            "reported_at": reported,
            "physical": physical,
            "mental": mental,
            "medical": medical,
            "signs_of_use": None if rng.random() < 0.15 else rng.random() < use_share,
            "severity": severity.value,
            "emergency": emergency,
            "acknowledged_by_id": None if acknowledged is None else patient.psychologist_id,
            "acknowledged_at": acknowledged,
            "action_taken": action,
        })
        self.add_event(member, EngagementKind.REPORTED, reported, None)

    def write_outreach(self, patient: _Patient, members: list[_Member]) -> None:
        rng, as_of, now, course = self.rng, self.as_of, self.now, patient.course
        pattern = course.pattern
        days: list[date] = []
        if pattern is Pattern.DROP_OUT and course.stop_on and course.discharged_on:
            first, last = course.stop_on + timedelta(days=2), course.discharged_on - ONE_DAY
            if first <= last:
                days = sorted(_day_between(rng, first, last) for _ in range(rng.randint(2, 4)))
        elif pattern is Pattern.MISSED_STREAK and rng.random() < 0.5:
            days = [as_of - timedelta(days=rng.randint(0, 1))]
        elif pattern is Pattern.RELAPSE_STEP_UP and course.relapse is not None:
            days = sorted(_day_between(rng, course.relapse[0], course.relapse[1])
                          for _ in range(rng.randint(1, 2)))
        elif (pattern is Pattern.INTERMITTENT and rng.random() < 0.3) or rng.random() < 0.04:
            days = [_day_between(rng, max(course.admission, as_of - timedelta(days=60)), as_of)]
        contacts = [m for m in members if m.consent is not None and m.consent[2] == "active"]
        for n, day in enumerate(days):
            member = rng.choice(contacts) if contacts and rng.random() < 0.5 else None
            outcome = _pick(rng, ((OutreachOutcome.REACHED, 40), (OutreachOutcome.NO_ANSWER, 30),
                                  (OutreachOutcome.MESSAGE_SENT, 20),
                                  (OutreachOutcome.WRONG_NUMBER, 4),
                                  (OutreachOutcome.DECLINED, 6)))
            follow_up = None
            if n == len(days) - 1 and outcome is not OutreachOutcome.REACHED \
                    and rng.random() < 0.6:
                follow_up = day + timedelta(days=rng.randint(1, 7))
            self.writer.add("outreach_attempt", {
                "id": self.writer.next_id("outreach_attempt"),
                "patient_id": patient.id,
                "member_id": None if member is None else member.id,
                "by_user_id": patient.psychologist_id,
                "attempted_at": _office_time(rng, day, now),
                "channel": (Channel.PHONE_CALL if member is None else member.channel).value,
                "outcome": outcome.value,
                "note": patient.site.words.outreach_notes[outcome],
                "follow_up_on": follow_up,
            })


_RELATIONS: tuple[tuple[Relation, float], ...] = (
    (Relation.MOTHER, 25), (Relation.SPOUSE, 20), (Relation.SIBLING, 15),
    (Relation.FATHER, 10), (Relation.PARTNER, 10), (Relation.CHILD, 7),
    (Relation.OTHER_RELATIVE, 8), (Relation.FRIEND, 5),
)
_ONE_ONLY = (Relation.MOTHER, Relation.FATHER, Relation.SPOUSE, Relation.PARTNER)


@dataclass
class _FamilyPlan:
    members: list[tuple[Relation, str]]  # relation, consent state (active/expired/revoked/none)
    profile: str  # engaged, low or fading
    quiet_since: datetime | None  # no engagement after this moment
    questions: int = 0
    reports: list[tuple[bool, bool]] = field(default_factory=list)  # (emergency, unacknowledged)


@dataclass
class _Member:
    id: int
    relation: Relation
    channel: Channel
    created_at: datetime
    consent: tuple[date, date, str] | None  # first and last active day, state


def build_demo(
    session: Session,
    *,
    patients: int = 300,
    days: int = 365,
    seed: int = 1,
    as_of: date,
    progress: Progress | None = None,
) -> DemoSummary:
    """Write the synthetic clinic network into an empty database; the caller commits.

    ``progress(stage, done, total)`` is called after the setup ("setup"), after each batch of
    patients with their phases, doses and screens ("patients"), and after each batch of families
    ("family"). Raises ValueError for fewer than 1 patient, fewer than 30 days, or a database that
    already has a clinic.
    """
    if patients < 1:
        raise ValueError(f"the demo needs at least 1 patient, got {patients}")
    if days < 30:
        raise ValueError(f"the demo needs a window of at least 30 days, got {days}")
    if not database_is_empty(session):
        raise ValueError("the database already has clinics: demo data goes only into an empty "
                         "database (create a new one, or point HAMRAH_DATABASE_URL elsewhere)")
    builder = _Builder(session, patients=patients, days=days, seed=seed, as_of=as_of,
                       progress=progress)
    clinic_ids, staff, logins = builder.setup()
    builder.report("setup", 1, 1)
    written = builder.write_patients(clinic_ids, staff)
    builder.write_families(written)
    builder.writer.flush()
    builder.writer.reset_sequences()
    counts = {"clinic": len(clinic_ids), "staff_user": len(logins), **builder.writer.counts}
    record_audit(
        session, actor=DEMO_ACTOR, action=AuditAction.CREATE, entity="demo",
        summary=f"demo data seed={seed} patients={patients} days={days} as_of={as_of}: "
                + ", ".join(f"{name}={count}" for name, count in counts.items()),
    )
    return DemoSummary(counts=counts, logins=logins)
