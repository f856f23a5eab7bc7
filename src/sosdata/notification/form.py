"""The notification of delivery method (SPEC §9) as data: all 33 questions of the form.

Everything that shows, asks, checks, summarises, exports or documents the form reads it from
here: question number and stable id, kind of answer, options with stable codes, labels in
Finnish, Swedish (the original form's wording) and English, the mandatory flag and the
condition under which a question applies. A web page is generated from the same model.

Rows of the per-service-task and per-social-service questions come from the code sets
(``codes``), so an imported code-set version changes the form without touching this file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sosdata import codes
from sosdata.periods import Quarter

LANGUAGES = ("fi", "sv", "en")
#: version of the form's structure; stored with every notification
FORM_VERSION = 1
#: the round of a new notification unless told otherwise: the first follow-up period
DEFAULT_ROUND = "2023Q1"


class Kind(StrEnum):
    """How a question is answered; the JSON value of each kind is documented in the schema."""

    CONTACT = "contact"  # {"name": text, "email": e-mail address}
    TEXT = "text"  # one line of text
    LONG_TEXT = "long-text"  # free text, several lines
    CHOICE = "choice"  # one option code
    MULTI_CHOICE = "multi-choice"  # a list of option codes
    COUNTY = "county"  # a county code (code set hyvinvointialue) with an organiser
    MUNICIPALITIES = "municipalities"  # a list of municipality codes of the chosen county
    PER_SERVICE_TASK = "per-service-task"  # {service task code: option code}, reported tasks
    PER_SOCIAL_SERVICE = "per-social-service"  # {social service code: option code}
    GRID = "grid"  # {row code: option code} over the question's own rows


GRID_KINDS = (Kind.PER_SERVICE_TASK, Kind.PER_SOCIAL_SERVICE, Kind.GRID)


def labels(fi: str, sv: str, en: str) -> dict[str, str]:
    return {"fi": fi, "sv": sv, "en": en}


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    labels: dict[str, str]

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels["fi"]


@dataclass(frozen=True, slots=True)
class Condition:
    """The question applies only when question ``on`` was answered with one of ``any_of``.

    For a multi-choice question the condition holds when any chosen option is in ``any_of``.
    """

    on: str
    any_of: tuple[str, ...]

    def holds(self, answers: Mapping[str, Any]) -> bool:
        value = answers.get(self.on)
        if isinstance(value, list | tuple):
            return any(v in self.any_of for v in value)
        return value in self.any_of

    def describe(self, lang: str) -> str:
        source = QUESTIONS[self.on]
        chosen = " / ".join(f'"{source.option(code).label(lang)}"' for code in self.any_of)
        return TEXTS["condition"][lang].format(number=source.number, options=chosen)


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    labels: dict[str, str]


@dataclass(frozen=True, slots=True)
class Question:
    number: int
    id: str
    kind: Kind
    section: str
    labels: dict[str, str]
    options: tuple[Option, ...] = ()
    #: fixed rows of a GRID question
    rows: tuple[Option, ...] = ()
    mandatory: bool = False
    condition: Condition | None = None
    #: an explanation shown under the question (from the original form)
    help: dict[str, str] | None = None
    #: a heading shown above the question when it starts a group of related questions
    heading: dict[str, str] | None = None
    #: questions 10–15: the service task asked about and the end of its transition period
    service_task: str | None = None
    transition_end: Quarter | None = None
    max_length: int = 4000

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels["fi"]

    def option(self, code: str) -> Option:
        for option in self.options:
            if option.code == code:
                return option
        raise KeyError(f"question {self.number} has no option {code!r}")

    def option_codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)

    def applies(self, answers: Mapping[str, Any]) -> bool:
        return self.condition is None or self.condition.holds(answers)

    def grid_rows(self, codes_dir: Path | None = None) -> tuple[Option, ...]:
        """The rows of a grid question; code-set rows in the version in force."""
        if self.kind is Kind.PER_SERVICE_TASK:
            tasks = codes.load("palvelutehtava", codes_dir)
            return tuple(
                Option(code, tasks[code].names) for code in codes.reported_service_tasks(codes_dir)
            )
        if self.kind is Kind.PER_SOCIAL_SERVICE:
            return tuple(Option(c.code, c.names) for c in codes.load("sosiaalipalvelu", codes_dir))
        return self.rows


# --- the words the form is made of -------------------------------------------------------------

SECTIONS = (
    Section(
        "contact",
        labels(
            "Ilmoitus tiedonantotavasta",
            "Meddelande om leveranssätt",
            "Notification of delivery method",
        ),
    ),
    Section(
        "systems",
        labels(
            "II: Käytössä olevat tietojärjestelmät",
            "II: Datasystem som är i bruk",
            "II: Information systems in use",
        ),
    ),
    Section(
        "client_periods",
        labels(
            "III: Asiakkuusjaksojen tiedot palvelutehtävittäin",
            "III: Uppgifter om klientrelationsperioder per serviceuppgift",
            "III: Client-relationship periods by service task",
        ),
    ),
    Section(
        "child_welfare",
        labels(
            "IV: Lastensuojelulain mukainen asiakkuus",
            "IV: Klientrelation enligt barnskyddslagen",
            "IV: Client relationship under the Child Welfare Act",
        ),
    ),
    Section(
        "social_services",
        labels(
            "V: Sosiaalipalvelujen tietojen toimittaminen",
            "V: Lämnande av uppgifter om socialservice",
            "V: Delivery of social-service data",
        ),
    ),
    Section(
        "discussions",
        labels(
            "VI: Erillisten keskustelujen tarve",
            "VI: Behov av separata diskussioner",
            "VI: Need for separate discussions",
        ),
    ),
)

_NOTES = labels(
    "Mahdolliset lisätiedot:", "Eventuella tilläggsuppgifter:", "Additional information, if any:"
)

_RETROACTIVITY = (
    Option(
        "long_term",
        labels(
            "Päivämäärät voidaan pääosin ilmoittaa myös pitkäkestoisille asiakkuuksille",
            "Datumen kan i huvudsak anges även för långvariga klientrelationer",
            "The dates can mainly be given even for long-standing client relationships",
        ),
    ),
    Option(
        "since_2020",
        labels(
            "Päivämäärät voidaan pääosin ilmoittaa, jos asiakkuus on alkanut myöhemmin kuin "
            "1.1.2020",
            "Datumen kan i huvudsak anges om klientrelationen har inletts senare än 1.1.2020",
            "The dates can mainly be given if the client relationship began later than 1.1.2020",
        ),
    ),
    Option(
        "later_than_2020",
        labels(
            "Päivämäärät voidaan ilmoittaa myös ennen seurantajakson alkua, mutta vasta "
            "myöhemmästä ajankohdasta kuin 1.1.2020",
            "Datumen kan också meddelas innan uppföljningsperioden inleds, men först från en "
            "senare tidpunkt än 1.1.2020",
            "The dates can also be given for the time before the follow-up period, but only "
            "from a point later than 1.1.2020",
        ),
    ),
    Option(
        "not_for_new",
        labels(
            "Päivämääriä ei pääosin voida ilmoittaa seurantajakson aikana alkaville uusille "
            "asiakkuuksille",
            "Datumen kan i huvudsak inte meddelas för nya klientrelationer som inleds under "
            "uppföljningsperioden",
            "The dates mainly cannot be given for new client relationships that start during "
            "the follow-up period",
        ),
    ),
)

#: the quarters of 2023–2026 and "when the transition period ends" (questions 10–15)
_ARCHIVING_OPTIONS = (
    *(
        Option(str(q), labels(str(q), str(q), str(q)))
        for q in (Quarter(2023, 1).next(i) for i in range(16))
    ),
    Option(
        "transition_end",
        labels(
            "Siirtymäajan päättyessä",
            "När övergångsperioden löper ut",
            "When the transition period ends",
        ),
    ),
)

_ARCHIVING_HEADING = labels(
    "Milloin asiakastietojärjestelmänne siirtyy arvionne mukaan rakenteiseen arkistointiin? "
    "Suluissa asiakastietolain siirtymäajan päättyminen.",
    "När överförs ert klientdatasystem enligt er bedömning till en strukturerad arkivering? "
    "Inom parentes upphörande av övergångsperioden till lagen om klientuppgifter.",
    "When, in your estimate, will your client information system move to structured "
    "archiving? In brackets, the end of the transition period of the Client Data Act.",
)

_SEPARATE_HEADING = labels(
    "Erillistoimittajat (ml. täydentäviä tietoja toimittavat Kanta-arkistoijat)",
    "Aktörer med separat leverans (inkl. Kanta-arkiverare som lämnar kompletterande uppgifter)",
    "Separate deliverers (including Kanta archivers who deliver supplementary data)",
)

_MAY_DIFFER = labels(
    "Huomaa, että mahdollisuudet voivat vaihdella palvelutehtävän ja sosiaalipalvelun mukaan. "
    "Tietojen poimintaa saatetaan tarkentaa myöhemmin.",
    "Observera att möjligheterna kan skilja sig åt enligt serviceuppgift och socialservice. Hur "
    "uppgifterna plockas ut kommer eventuellt att specificeras närmare.",
    "Note that the possibilities may differ by service task and social service. How the data "
    "are extracted may be specified in more detail later.",
)

#: answers to 23 that make the group a separate deliverer: questions 24–29 apply
SEPARATE_DELIVERERS = ("kanta_supplemented", "separate", "separate_partial")
_FOR_SEPARATE = Condition("social_services_method", SEPARATE_DELIVERERS)


def _archiving(
    number: int, qid: str, task: str, end: Quarter, fi: str, sv: str, en: str
) -> Question:
    month = f"{(end.quarter - 1) * 3 + 3}/{end.year}"
    return Question(
        number,
        qid,
        Kind.CHOICE,
        "systems",
        labels(f"{fi} ({month})", f"{sv} ({month})", f"{en} ({month})"),
        options=_ARCHIVING_OPTIONS,
        heading=_ARCHIVING_HEADING if number == 10 else None,
        service_task=task,
        transition_end=end,
    )


def _notes(number: int, qid: str, section: str, condition: Condition | None = None) -> Question:
    return Question(number, qid, Kind.LONG_TEXT, section, _NOTES, condition=condition)


_FORM = (
    Question(
        1,
        "contact",
        Kind.CONTACT,
        "contact",
        labels(
            "Yhteyshenkilö, jolle lähetämme Sosdataa koskevia ohjeita ja mm. tietoa tapahtumista.",
            "Samarbetsperson till vilken vi skickar anvisningar om Sosdata och bl.a. uppgifter om "
            "händelser.",
            "Contact person to whom we send instructions on Sosdata and, among other things, "
            "information on events.",
        ),
        mandatory=True,
    ),
    Question(
        2,
        "county",
        Kind.COUNTY,
        "contact",
        labels("Hyvinvointialue", "Välfärdsområde", "Wellbeing services county"),
        mandatory=True,
        heading=labels(
            "Kuntaryhmään kuuluvat kunnat:",
            "Kommuner som ingår i denna kommungrupp:",
            "Municipalities in this municipality group:",
        ),
    ),
    Question(
        3,
        "municipalities",
        Kind.MUNICIPALITIES,
        "contact",
        labels("Kunnat", "Kommunerna", "Municipalities"),
        mandatory=True,
    ),
    Question(
        4,
        "group_name",
        Kind.TEXT,
        "contact",
        labels("Kuntaryhmän nimi:", "Namn på kommungruppen:", "Name of the municipality group:"),
        mandatory=True,
        max_length=200,
    ),
    Question(
        5,
        "client_systems",
        Kind.MULTI_CHOICE,
        "systems",
        labels(
            "Kuntaryhmässä 1.1.–31.3.2023 käytettävät sosiaalihuollon asiakastietojärjestelmät:",
            "Socialvårdens klientdatasystem som används i kommungruppen 1.1–31.3.2023:",
            "Social-welfare client information systems used in the municipality group "
            "1.1.–31.3.2023:",
        ),
        options=(
            *(
                Option(code, labels(name, name, name))
                for code, name in (
                    ("abilita", "Abilita"),
                    ("apotti", "Apotti"),
                    ("effica", "Effica"),
                    ("lifecare", "Lifecare"),
                    ("omni360", "Omni 360"),
                    ("pro_consona", "Pro Consona"),
                    ("saga", "Saga"),
                )
            ),
            Option("other", labels("Muu, mikä", "Annat, vilket", "Other, which")),
        ),
    ),
    Question(
        6,
        "other_client_system",
        Kind.TEXT,
        "systems",
        labels(
            "Muu asiakastietojärjestelmä, mikä",
            "Annat klientdatasystem, vilket",
            "Other client information system, which",
        ),
        condition=Condition("client_systems", ("other",)),
        max_length=500,
    ),
    Question(
        7,
        "system_covers_all_tasks",
        Kind.CHOICE,
        "systems",
        labels(
            "Onko tietojärjestelmä käytössä kaikissa palvelutehtävissä? (Pois lukien "
            "perheoikeudelliset palvelut)",
            "Används datasystemet i alla serviceuppgifter? (Exklusive familjerättslig service)",
            "Is the information system used in all service tasks? (Excluding family-law services)",
        ),
        options=(
            Option("yes", labels("Kyllä", "Ja", "Yes")),
            Option(
                "yes_except_home_care",
                labels(
                    "Kyllä, poikkeuksena ikääntyneiden kotihoito",
                    "Ja, med undantag av hemvård för äldre",
                    "Yes, except home care for older people",
                ),
            ),
            Option(
                "no_exceptions",
                labels("Ei, poikkeukset ovat:", "Nej, undantag är:", "No, the exceptions are:"),
            ),
        ),
    ),
    Question(
        8,
        "exceptions",
        Kind.LONG_TEXT,
        "systems",
        labels(
            "Poikkeukset ja niissä käytettävä tietojärjestelmä",
            "Undantag och det datasystem som används i dem",
            "Exceptions and the information system used in them",
        ),
        condition=Condition("system_covers_all_tasks", ("no_exceptions",)),
        help=labels(
            "Huom! Kysymys koskee vain pääjärjestelmiä, joilla hallinnoidaan palvelutehtävän "
            "asiakkuuksia. Palveluissa voidaan hyödyntää myös muita järjestelmiä.",
            "Obs! Frågan gäller endast huvudsystem som används för att administrera "
            "kundrelationer inom serviceuppgiften. Även andra system kan utnyttjas i tjänsterna",
            "Note: the question concerns only the main systems used to manage client "
            "relationships in the service task. Other systems may also be used in the services.",
        ),
    ),
    Question(
        9,
        "planned_system",
        Kind.TEXT,
        "systems",
        labels(
            "Jos tietojärjestelmää on tarkoitus vaihtaa vuoden 2023 aikana, mihin järjestelmään "
            "ollaan siirtymässä?",
            "Om avsikten är att byta datasystem under 2023, vilket system håller man på att "
            "övergå till?",
            "If the information system is to be changed during 2023, which system is it being "
            "changed to?",
        ),
        max_length=500,
    ),
    _archiving(
        10,
        "archiving_older_people",
        "1",
        Quarter(2024, 3),
        "Iäkkäiden palvelut",
        "Äldreservice",
        "Services for older people",
    ),
    _archiving(
        11,
        "archiving_working_age",
        "2",
        Quarter(2024, 3),
        "Työikäisten palvelut",
        "Service för personer i arbetsför ålder",
        "Services for working-age people",
    ),
    _archiving(
        12,
        "archiving_families",
        "3",
        Quarter(2024, 3),
        "Lapsiperheiden palvelut",
        "Service för barnfamiljer",
        "Services for families with children",
    ),
    _archiving(
        13,
        "archiving_child_welfare",
        "4",
        Quarter(2025, 1),
        "Lastensuojelu",
        "Barnskyddet",
        "Child welfare",
    ),
    _archiving(
        14,
        "archiving_disability",
        "5",
        Quarter(2025, 3),
        "Vammaispalvelut",
        "Service för personer med funktionsnedsättning",
        "Disability services",
    ),
    _archiving(
        15,
        "archiving_substance_abuse",
        "6",
        Quarter(2026, 1),
        "Päihdehuolto",
        "Missbrukarvård",
        "Substance-abuse services",
    ),
    _notes(16, "notes_systems", "systems"),
    Question(
        17,
        "client_periods_source",
        Kind.PER_SERVICE_TASK,
        "client_periods",
        labels(
            "Miten Sosdata saa kuntaryhmän tiedot palvelutehtävien asiakkuusjaksoista "
            "1.1.–31.3.2023?",
            "Hur får Sosdata kommungruppens uppgifter om serviceuppgifternas klientperioder "
            "1.1–31.3.2023?",
            "How will Sosdata receive the municipality group's data on the client periods of "
            "the service tasks 1.1.–31.3.2023?",
        ),
        options=(
            Option(
                "kanta", labels("Kanta-arkistosta", "Från Kanta-arkivet", "From the Kanta archive")
            ),
            Option(
                "kanta_supplemented",
                labels(
                    "Kanta-arkistointia täydennetään erillistoimituksella",
                    "Kanta-arkiveringen kompletteras med en separat leverans",
                    "Kanta archiving supplemented by a separate delivery",
                ),
            ),
            Option(
                "separate",
                labels("Erillistoimituksena", "Som separat leverans", "As a separate delivery"),
            ),
        ),
        mandatory=True,
        help=labels(
            "(Tiedot: palvelutehtävä, asiakkuusjakson alku palvelutehtävässä, asiakkuusjakson "
            "loppu palvelutehtävässä)",
            "(Uppgifter: Serviceuppgift, Kundrelationsperiodens början i serviceuppgiften, "
            "Kundrelationsperiodens slut i serviceuppgiften)",
            "(Data: service task, start of the client-relationship period in the service task, "
            "end of the client-relationship period in the service task)",
        ),
    ),
    Question(
        18,
        "start_date_retroactivity",
        Kind.CHOICE,
        "client_periods",
        labels(
            "Asiakkuustiedoissa tulee pystyä ilmoittamaan todelliset alkamispäivät. Mikä on "
            "tietojärjestelmänne kyky ilmoittaa alkamispäiviä takautuvasti?",
            "I fråga om kundrelationsuppgifter ska man kunna meddela de faktiska startdatumen. "
            "Vilken är ert datasystems förmåga att anmäla startdatum retroaktivt?",
            "For client relationships the actual start dates must be possible to give. How "
            "well can your information system report start dates retroactively?",
        ),
        options=_RETROACTIVITY,
    ),
    _notes(19, "notes_client_periods", "client_periods"),
    Question(
        20,
        "child_welfare_source",
        Kind.CHOICE,
        "child_welfare",
        labels(
            "Lastensuojelulain 27 §:n mukaisen asiakkuuden alkamis- ja päättymispäivä. Miten "
            "Sosdata saa tiedot kuntaryhmän asukkaista 1.1.–31.3.2023?",
            "Inlednings- och avslutningsdatum för klientrelation enligt 27 § i barnskyddslagen. "
            "Hur får Sosdata uppgifter om kommungruppens invånare 1.1–31.3.2023?",
            "Start and end date of the client relationship under section 27 of the Child "
            "Welfare Act. How will Sosdata receive the data on the municipality group's "
            "residents 1.1.–31.3.2023?",
        ),
        options=(
            Option(
                "client_relationship_document",
                labels(
                    "Arkistoimalla lastensuojelulain mukainen lastensuojelun asiakkuustieto "
                    "asiakkuusasiakirjaan (versio 10.1.22 tai uudempi).",
                    "Genom att arkivera uppgiften om klientrelation inom barnskyddet enligt "
                    "barnskyddslagen i klientrelationshandlingen (version 10.1.22 eller nyare).",
                    "By archiving the child-welfare client relationship under the Child Welfare "
                    "Act in the client-relationship document (version 10.1.22 or newer).",
                ),
            ),
            Option(
                "new_structure_2023",
                labels(
                    "Asiakkuusasiakirjan uusi rakenne ja sen päivitetty arkistointi otetaan "
                    "käyttöön myös lastensuojelun osalta vuoden 2023 aikana.",
                    "Den nya strukturen för klientrelationshandlingen och en uppdaterad "
                    "arkivering av den även för barnskyddets del tas i bruk under 2023.",
                    "The new structure of the client-relationship document and its updated "
                    "archiving will be taken into use, for child welfare too, during 2023.",
                ),
            ),
            Option(
                "separate",
                labels(
                    "Erillistoimituksena THL:lle",
                    "Separat leverans till THL",
                    "Separate delivery to THL",
                ),
            ),
        ),
    ),
    Question(
        21,
        "child_welfare_retroactivity",
        Kind.CHOICE,
        "child_welfare",
        labels(
            "Myös lastensuojelulain 27 §:n mukaisten lastensuojelun asiakkuustietojen osalta tulee "
            "pystyä ilmoittamaan todellinen päivämäärä. Mikä on tietojärjestelmänne kyky "
            "ilmoittaa lastensuojelulain mukaisen asiakkuuden alkamispäivä takautuvasti?",
            "Även i fråga om uppgifter om klientrelationer inom barnskyddet enligt 27 § i "
            "barnskyddslagen ska det vara möjligt att ange det faktiska datumet. Vilken är ert "
            "datasystems förmåga att retroaktivt meddela startdatum för en klientrelation enligt "
            "barnskyddslagen?",
            "For child-welfare client relationships under section 27 of the Child Welfare Act, "
            "too, the actual date must be possible to give. How well can your information "
            "system report the start date of such a client relationship retroactively?",
        ),
        options=_RETROACTIVITY,
    ),
    _notes(22, "notes_child_welfare", "child_welfare"),
    Question(
        23,
        "social_services_method",
        Kind.CHOICE,
        "social_services",
        labels(
            "Palvelutehtävien sosiaalipalveluja koskevat tiedot 1.1.–31.3.2023. Mikä on "
            "kuntaryhmän tietojen pääasiallinen toimitustapa?",
            "Uppgifter om serviceuppgifternas socialservice 1.1–31.3.2023. Vilket är det "
            "huvudsakliga leveranssättet för kommungruppens uppgifter?",
            "Data on the social services of the service tasks 1.1.–31.3.2023. What is the main "
            "delivery method of the municipality group's data?",
        ),
        options=(
            Option(
                "kanta_structured",
                labels(
                    "Arkistoimalla Kantaan rakenteisia päätösasiakirjoja ja kirjauksia",
                    "Genom att arkivera strukturerade beslutshandlingar och journalanteckningar "
                    "i Kanta",
                    "By archiving structured decision documents and record entries in Kanta",
                ),
            ),
            Option(
                "kanta_unstructured",
                labels(
                    "Kantaan asiakkuusasiakirjana, (kirjauksina) ja rakenteistamattomina "
                    "päätösasiakirjoina",
                    "I Kanta som klientrelationshandling, (journalanteckningar) och "
                    "icke-strukturerade beslutshandlingar",
                    "In Kanta as the client-relationship document, (record entries) and "
                    "unstructured decision documents",
                ),
            ),
            Option(
                "kanta_supplemented",
                labels(
                    "Kanta-arkistoituja tietoja täydennetään erillistoimituksella",
                    "Kanta-arkiverade uppgifter kompletteras med en separat leverans",
                    "Kanta-archived data supplemented by a separate delivery",
                ),
            ),
            Option("separate", labels("Erillistoimitus", "Separat leverans", "Separate delivery")),
            Option(
                "separate_partial",
                labels(
                    "Erillistoimitus vain osasta tiedoista, koska kaikkien tietojen toimittaminen "
                    "on mahdotonta",
                    "Separat leverans endast för en del av uppgifterna, eftersom det är omöjligt "
                    "att leverera alla",
                    "Separate delivery of only part of the data, since delivering all of it is "
                    "impossible",
                ),
            ),
            Option(
                "impossible",
                labels(
                    "Kaikkien tietojen toimittaminen on mahdotonta",
                    "Det är omöjligt att leverera alla uppgifter",
                    "Delivering all the data is impossible",
                ),
            ),
        ),
        help=labels(
            "(Huomaa, että vastaus vaikuttaa seuraaviin kysymyksiin)",
            "(Observera att besvarandet av frågan påverkar följande frågor)",
            "(Note that the answer affects the following questions)",
        ),
    ),
    Question(
        24,
        "decision_extraction",
        Kind.GRID,
        "social_services",
        labels(
            "Pystyttekö pääosin poimimaan seuraavat tiedot?",
            "Kan ni i huvudsak plocka ut följande uppgifter?",
            "Can you mainly extract the following data?",
        ),
        options=(
            Option(
                "yes",
                labels(
                    "Kyllä, tiedot pystytään pääosin poimimaan",
                    "Ja, uppgifterna kan i huvudsak plockas",
                    "Yes, the data can mainly be extracted",
                ),
            ),
            Option(
                "review",
                labels(
                    "Edellyttää lisäselvitystä tai palvelujen välillä on merkittäviä eroja",
                    "Förutsätter ytterligare granskning eller betydande skillnader mellan "
                    "tjänsterna",
                    "Requires further review, or significant differences between services",
                ),
            ),
            Option(
                "no",
                labels(
                    "Ei, tietoja ei pääosin pystytä poimimaan",
                    "Nej, uppgifterna kan i huvudsak inte plockas",
                    "No, the data mainly cannot be extracted",
                ),
            ),
        ),
        rows=(
            Option(
                "positive_in_period",
                labels(
                    "Seurantajakson aikana tehty myönteinen palvelupäätös",
                    "Positivt servicebeslut som fattats under uppföljningsperioden",
                    "Positive service decision made during the follow-up period",
                ),
            ),
            Option(
                "valid_from_earlier",
                labels(
                    "Ennen seurantajaksoa tehty voimassa oleva palvelupäätös, joka on voimassa "
                    "koko seurantajakson ajan",
                    "Gällande servicebeslut som fattats före uppföljningsperioden och som "
                    "fortsätter att gälla under hela uppföljningsperioden",
                    "Valid service decision made before the follow-up period that remains valid "
                    "throughout the period",
                ),
            ),
            Option(
                "ending_in_period",
                labels(
                    "Seurantajakson aikana päättyvä palvelupäätös",
                    "Servicebeslut som upphör att gälla under uppföljningsperioden",
                    "Service decision that ends during the follow-up period",
                ),
            ),
            Option(
                "negative",
                labels(
                    "Kielteinen palvelupäätös",
                    "Negativt servicebeslut",
                    "Negative service decision",
                ),
            ),
        ),
        condition=_FOR_SEPARATE,
        help=_MAY_DIFFER,
        heading=_SEPARATE_HEADING,
    ),
    _notes(25, "notes_decisions", "social_services", _FOR_SEPARATE),
    Question(
        26,
        "extraction_methods",
        Kind.GRID,
        "social_services",
        labels(
            "Mitä tietojen poimintatapoja tulette käyttämään sosiaalipalvelutietojen poiminnassa?",
            "Vilka sätt att plocka ut uppgifter kommer ni att använda i urvalet av "
            "socialserviceuppgifter?",
            "Which ways of extracting data will you use to select the social-service data?",
        ),
        options=(
            Option("used", labels("Hyödynnetään", "Utnyttjas", "Used")),
            Option("not_used", labels("Ei hyödynnetä", "Utnyttjas inte", "Not used")),
            Option(
                "review",
                labels(
                    "Edellyttää lisäselvitystä",
                    "Förutsätter ytterligare granskning",
                    "Requires further review",
                ),
            ),
        ),
        rows=(
            Option(
                "current_service",
                labels(
                    "Tieto voimassa olevasta palvelusta",
                    "Information om gällande tjänst",
                    "Information on a current service",
                ),
            ),
            Option(
                "unit_client_relationship",
                labels(
                    "Palveluyksikön asiakkuustieto",
                    "Serviceenhetens kundrelationsuppgift",
                    "The service unit's client-relationship data",
                ),
            ),
            Option(
                "operations_system",
                labels(
                    "Toiminnanohjausjärjestelmän tieto",
                    "Information om systemet för verksamhetsstyrning",
                    "Data from the operations-management system",
                ),
            ),
            Option(
                "health_care_system",
                labels(
                    "Terveydenhuollon järjestelmän tieto",
                    "Information om hälso- och sjukvårdssystemet",
                    "Data from the health-care system",
                ),
            ),
            Option(
                "other",
                labels(
                    "Tieto poimitaan muulla tavalla",
                    "Uppgiften plockas på annat sätt",
                    "The data are extracted in another way",
                ),
            ),
        ),
        condition=_FOR_SEPARATE,
        help=_MAY_DIFFER,
        heading=_SEPARATE_HEADING,
    ),
    Question(
        27,
        "other_extraction_method",
        Kind.LONG_TEXT,
        "social_services",
        labels(
            "Kuvatkaa mahdollinen muu poimintatapa",
            "Beskriv det eventuella andra plockningssättet",
            "Describe the other way of extracting, if any",
        ),
        condition=_FOR_SEPARATE,
    ),
    Question(
        28,
        "social_service_delivery",
        Kind.PER_SOCIAL_SERVICE,
        "social_services",
        labels(
            "Miten arvioitte, että eri sosiaalipalveluista on pystytty toimittamaan tietoja?",
            "Hur har man enligt er bedömning kunnat leverera uppgifter om olika socialtjänster?",
            "In your estimate, how can data on the different social services be delivered?",
        ),
        options=(
            Option("mainly", labels("Pääosin", "Huvudsakligen", "Mainly")),
            Option("possibly", labels("Mahdollisesti", "Eventuellt", "Possibly")),
            Option("partly", labels("Osittain", "Delvis", "Partly")),
            Option("no", labels("Ei", "Nej", "No")),
        ),
        condition=_FOR_SEPARATE,
        heading=_SEPARATE_HEADING,
        help=labels(
            _MAY_DIFFER["fi"] + " Pääosin = Alustava käsitys siitä, että päätöstieto tai muu "
            "tieto palvelun saamisesta voidaan toimittaa melko kattavasti. Mahdollisesti = "
            "Tietojen toimittaminen voi olla mahdollista, mutta se edellyttää lisäselvitystä. "
            "Osittain = Alustava käsitys siitä, että osa seurantajakson tiedoista voidaan "
            "toimittaa. Ei = Alustava käsitys siitä, että tietojen toimittaminen on mahdotonta "
            "tai hyvin haastavaa.",
            _MAY_DIFFER["sv"] + " Huvudsakligen = En preliminär uppfattning om att en "
            "beslutsuppgift eller annan information om tillgången till tjänsten kan lämnas in "
            "ganska heltäckande. Eventuellt = Det kan vara möjligt att lämna in uppgifter, men "
            "detta förutsätter ytterligare granskning. Delvis = En preliminär uppfattning om att "
            "en del av uppgifterna för uppföljningsperioden kan lämnas in. Nej = En preliminär "
            "uppfattning om att det är omöjligt eller mycket utmanande att lämna uppgifter.",
            _MAY_DIFFER["en"] + " Mainly = a preliminary view that decision data or other "
            "information on receiving the service can be delivered fairly comprehensively. "
            "Possibly = delivering the data may be possible but requires further review. "
            "Partly = a preliminary view that part of the period's data can be delivered. No = "
            "a preliminary view that delivering the data is impossible or very challenging.",
        ),
    ),
    Question(
        29,
        "notes_social_services",
        Kind.LONG_TEXT,
        "social_services",
        labels(
            "Mahdolliset lisätiedot sosiaalipalveluista:",
            "Eventuella tilläggsuppgifter om socialservicen:",
            "Additional information on the social services, if any:",
        ),
        condition=_FOR_SEPARATE,
    ),
    Question(
        30,
        "discussions",
        Kind.CHOICE,
        "discussions",
        labels(
            "Toivotteko erillisiä keskusteluja THL:n kanssa tietojen toimittamisesta? Myös THL "
            "arvioi neuvottelujen tarvetta ilmoituksessa antamienne tietojen perusteella.",
            "Önskar ni separata diskussioner med THL om leveransen av uppgifter? Även THL "
            "bedömer behovet av förhandlingar utifrån de uppgifter som ni lämnat i anmälan.",
            "Do you wish to have separate discussions with THL on the delivery of data? THL, "
            "too, assesses the need for negotiations from the information you give in the "
            "notification.",
        ),
        options=(
            Option(
                "no",
                labels(
                    "Ei, valmistaudumme tietojen toimittamiseen / Kanta-arkistointiin ja olemme "
                    "tarvittaessa yhteydessä THL:ään",
                    "Nej, vi förbereder oss för leverans av uppgifter/Kanta-arkivering och "
                    "kontaktar THL vid behov",
                    "No, we are preparing for the delivery of data / Kanta archiving and will "
                    "contact THL if needed",
                ),
            ),
            Option("yes", labels("Kyllä.", "Ja.", "Yes.")),
        ),
        mandatory=True,
    ),
    Question(
        31,
        "discussion_topics",
        Kind.LONG_TEXT,
        "discussions",
        labels(
            "Keskusteluissa haluamme käsitellä erityisesti seuraavia asioita:",
            "Under diskussionerna vill vi särskilt diskutera följande:",
            "In the discussions we would particularly like to discuss the following:",
        ),
        condition=Condition("discussions", ("yes",)),
    ),
    Question(
        32,
        "county_information_management",
        Kind.CHOICE,
        "discussions",
        labels(
            "Koko hyvinvointialueen tiedolla johtamisen valmius: Uusilta hyvinvointialueilta "
            "voivat puuttua välineet koko hyvinvointialueen tietojen käsittelyyn (vrt. "
            "kuntaryhmä, jota tämä ilmoitus koskee). Monilla alueilla tietojen poiminta ja "
            "toimittaminen perustuu tietojärjestelmätoimittajan tarjoamaan ratkaisuun – toisin "
            "sanoen tiedot toimitetaan kuntaryhmittäin. Miten arvioitte valmiutta käsitellä "
            "koko hyvinvointialuettanne koskevia tietoja 31.3.2023?",
            "Hela välfärdsområdets förmåga till informationsledning: I de nya "
            "välfärdsområdena kan det saknas verktyg för behandling av hela välfärdsområdet "
            "(jfr den kommungrupp som denna anmälan gäller). I många områden kommer plockningen "
            "och leveransen av uppgifter att basera sig på en lösning som tillhandahålls av "
            "datasystemleverantören – med andra ord levereras uppgifterna enligt kommungrupp. "
            "Hur bedömer ni förmågan att behandla uppgifter som gäller hela ert välfärdsområde "
            "31.3.2023?",
            "Capability of information management for the whole county: the new wellbeing "
            "services counties may lack tools for processing data of the whole county (compare "
            "the municipality group this notification concerns). In many areas the extraction "
            "and delivery of data will rely on a solution provided by the information-system "
            "vendor – in other words, the data are delivered by municipality group. How do you "
            "assess the capability to process data concerning your whole county on 31.3.2023?",
        ),
        options=(
            Option(
                "unlikely",
                labels(
                    "On epätodennäköistä, että tietoja käsitellään vielä koko alueen osalta. "
                    "Hyvinvointialue hyödyntää aluksi THL:n käsittelemiä ja julkaisemia lukuja.",
                    "Det är osannolikt att uppgifterna fortfarande behandlas för hela området. "
                    "Välfärdsområdet kommer till en början att utnyttja de siffror som THL "
                    "behandlar och publicerar.",
                    "It is unlikely that the data will yet be processed for the whole area. At "
                    "first the county will use the figures THL processes and publishes.",
                ),
            ),
            Option(
                "partly",
                labels(
                    "Tietojen aluekohtainen käsittely on jossain määrin mahdollista.",
                    "Den områdesmässiga behandlingen av uppgifterna kommer i viss mån att vara "
                    "möjlig.",
                    "Processing the data for the whole area will be possible to some extent.",
                ),
            ),
            Option(
                "regional",
                labels(
                    "Tietoja käsitellään aluekohtaisesti. On esimerkiksi mahdollista toimittaa "
                    "tiedoista erillistoimitus alueen omana ratkaisuna.",
                    "Uppgifterna behandlas områdesmässigt. Det är till exempel möjligt att "
                    "leverera en separat leverans av uppgifter som en egen lösning för området.",
                    "The data are processed for the whole area. It is, for example, possible to "
                    "make a separate delivery of the data as the area's own solution.",
                ),
            ),
        ),
    ),
    Question(
        33,
        "feedback",
        Kind.LONG_TEXT,
        "discussions",
        labels(
            "Muut lisätiedot tai palaute Sosdataan liittyen",
            "Övriga tilläggsuppgifter eller respons gällande Sosdata",
            "Other additional information or feedback on Sosdata",
        ),
    ),
)

#: the questions by id, in the form's order
QUESTIONS: dict[str, Question] = {q.id: q for q in _FORM}
BY_NUMBER: dict[int, Question] = {q.number: q for q in _FORM}
SECTION_BY_ID: dict[str, Section] = {s.id: s for s in SECTIONS}

#: the sub-fields of the contact question (1)
CONTACT_FIELDS = {
    "name": labels("Nimi", "Namn", "Name"),
    "email": labels("Sähköposti", "E-post", "E-mail"),
}

#: short texts the form's interfaces share (the interactive prompt, summaries, checks)
TEXTS: dict[str, dict[str, str]] = {
    "condition": labels(
        "vain jos kysymykseen {number} on vastattu {options}",
        "endast om fråga {number} besvarats med {options}",
        "only when question {number} is answered {options}",
    ),
    "title": labels(
        "Ilmoitus tiedonantotavasta Sosdataan",
        "Anmälan om leveranssätt till Sosdata",
        "Notification of delivery method to Sosdata",
    ),
    "mandatory": labels("pakollinen", "obligatorisk", "mandatory"),
    "optional": labels(
        "vapaaehtoinen, Enter ohittaa", "frivillig, Enter hoppar över", "optional, Enter skips"
    ),
    "unanswered": labels("(ei vastausta)", "(inget svar)", "(no answer)"),
    "choose_one": labels(
        "Valitse numero tai koodi", "Välj nummer eller kod", "Choose a number or code"
    ),
    "choose_many": labels(
        "Valitse numerot tai koodit pilkuin eroteltuina",
        "Välj nummer eller koder åtskilda med kommatecken",
        "Choose numbers or codes separated by commas",
    ),
    "municipalities_prompt": labels(
        "Kuntakoodit tai -nimet pilkuin eroteltuina, tai 'kaikki'",
        "Kommunkoder eller -namn åtskilda med kommatecken, eller 'alla'",
        "Municipality codes or names separated by commas, or 'all'",
    ),
    "all_word": labels("kaikki", "alla", "all"),
    "answer_grid": labels(
        "Vastataanko tähän kysymykseen? (k/e)",
        "Besvara denna fråga? (j/n)",
        "Answer this question? (y/n)",
    ),
    "yes_words": labels("k,kyllä,y,yes", "j,ja,y,yes", "y,yes"),
    "no_words": labels("e,ei,n,no", "n,nej,no", "n,no"),
    "save": labels(
        "Tallennetaanko ilmoitus? (k/e)", "Spara anmälan? (j/n)", "Save the notification? (y/n)"
    ),
    "send_now": labels(
        "Lähetetäänkö yhteenveto nyt vahvistettavaksi sähköpostiin? (k/e)",
        "Skicka sammandraget för bekräftelse per e-post nu? (j/n)",
        "Send the summary for confirmation by e-mail now? (y/n)",
    ),
    "try_again": labels("Yritä uudelleen.", "Försök igen.", "Try again."),
    "cancelled": labels(
        "Keskeytetty, mitään ei tallennettu.",
        "Avbrutet, inget sparades.",
        "Cancelled, nothing was saved.",
    ),
    "round": labels("Ilmoituskierros", "Anmälningsomgång", "Notification round"),
    "deadline": labels("Määräaika", "Sista dag", "Deadline"),
    "status": labels("Tila", "Status", "Status"),
    "version": labels("Versio", "Version", "Version"),
    "late": labels("myöhässä", "försenad", "late"),
    "confirmation_code": labels("Vahvistuskoodi", "Bekräftelsekod", "Confirmation code"),
}


def text(key: str, lang: str) -> str:
    return TEXTS[key].get(lang) or TEXTS[key]["fi"]


def questions() -> tuple[Question, ...]:
    """All 33 questions in the form's order."""
    return _FORM


def applicable(answers: Mapping[str, Any]) -> list[Question]:
    """The questions that apply given the answers so far (conditions evaluated)."""
    return [q for q in _FORM if q.applies(answers)]


def choices(question: Question, answers: Mapping[str, Any], ctx: FormContext) -> tuple[Option, ...]:
    """What a question offers to choose from given the answers so far: its options; the
    counties that have an organiser (2); the chosen county's municipalities only (3)."""
    if question.kind is Kind.COUNTY:
        counties = codes.load("hyvinvointialue", ctx.codes_dir)
        return tuple(
            Option(c.code, c.names)
            for c in counties
            if not ctx.organisers_by_county or c.code in ctx.organisers_by_county
        )
    if question.kind is Kind.MUNICIPALITIES:
        county = answers.get("county")
        if not isinstance(county, str):
            return ()
        names = codes.load("kunta", ctx.codes_dir)
        return tuple(
            Option(m, {lang: names.label(m, lang) for lang in LANGUAGES})
            for m in codes.municipalities_of(county, ctx.codes_dir)
        )
    return question.options


def prune(answers: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The answers without those to questions that no longer apply, and the ids dropped.

    Repeated until nothing changes: dropping an answer can make another question stop applying.
    """
    kept = dict(answers)
    dropped: list[str] = []
    while True:
        gone = [q.id for q in _FORM if q.id in kept and not q.applies(kept)]
        if not gone:
            return kept, dropped
        for qid in gone:
            del kept[qid]
        dropped += gone


def describe(codes_dir: Path | None = None) -> dict[str, Any]:
    """The whole form as plain data, e.g. for generating a web page or documentation."""

    def options(opts: tuple[Option, ...]) -> list[dict[str, Any]]:
        return [{"code": o.code, "labels": o.labels} for o in opts]

    return {
        "form_version": FORM_VERSION,
        "sections": [{"id": s.id, "labels": s.labels} for s in SECTIONS],
        "questions": [
            {
                "number": q.number,
                "id": q.id,
                "kind": str(q.kind),
                "section": q.section,
                "labels": q.labels,
                "mandatory": q.mandatory,
                "condition": (
                    {"question": q.condition.on, "any_of": list(q.condition.any_of)}
                    if q.condition
                    else None
                ),
                "options": options(q.options),
                "rows": options(q.grid_rows(codes_dir)),
                "help": q.help,
                "heading": q.heading,
                "service_task": q.service_task,
                "transition_end": str(q.transition_end) if q.transition_end else None,
            }
            for q in _FORM
        ],
    }


@dataclass
class FormContext:
    """What answers are checked against: code sets in force and the organiser register."""

    codes_dir: Path | None = None
    #: county code → organiser OID; counties without an organiser cannot notify
    organisers_by_county: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Any) -> FormContext:
        from sosdata import organisers

        register = organisers.load(settings.data_dir)
        return cls(
            codes_dir=settings.codes_dir,
            organisers_by_county={o.county: o.oid for o in register},
        )

    @classmethod
    def package(cls) -> FormContext:
        """The shipped code sets and organiser list (for generated documentation)."""
        from sosdata import organisers

        return cls(organisers_by_county={o.county: o.oid for o in organisers.load(None)})
