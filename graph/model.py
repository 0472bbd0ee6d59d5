"""The armsgraph schema: the one source of truth for every field and type.

Validation (:mod:`graph.load`), the generated schema reference (``docs/schema.md``),
the SHACL shapes and the RDF mapping are all derived from the models below.
Add a field here, with a description, and the rest follows.

A seed file is a mapping with any of the sections ``actors``, ``systems``,
``sources``, ``transfers``, ``deployments`` and ``backfills``; see :class:`SeedFile`.

>>> Quantity.model_validate(180)
Quantity(value=180, qualifier=<Qualifier.exact: 'exact'>, upper=None)
>>> PartialDate.parse("2022-08").earliest()
datetime.date(2022, 8, 1)
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from enum import StrEnum
from functools import total_ordering
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

__all__ = [
    "RECORD_TYPES",
    "SECTIONS",
    "Actor",
    "ActorKind",
    "BackfillClaim",
    "BackfillKind",
    "Category",
    "Condition",
    "Confidence",
    "Deployment",
    "DeploymentStatus",
    "Era",
    "Measure",
    "Money",
    "PartialDate",
    "Qualifier",
    "Quantity",
    "Record",
    "Ref",
    "ReportedFigure",
    "SeedFile",
    "Source",
    "SourceKind",
    "System",
    "Transfer",
    "TransferKind",
    "TransferStatus",
    "references",
]

# --------------------------------------------------------------------------- enums


class ActorKind(StrEnum):
    """What an actor is."""

    state = "state"
    organisation = "organisation"
    company = "company"
    non_state = "non_state"


class Category(StrEnum):
    """Capability categories, a controlled vocabulary (published as a SKOS scheme).

    Backfill inference compares these: a leg in and a leg out of the same
    category (or a declared substitute) can form a chain.
    """

    main_battle_tank = "main_battle_tank"
    infantry_fighting_vehicle = "infantry_fighting_vehicle"
    armoured_personnel_carrier = "armoured_personnel_carrier"
    armoured_support_vehicle = "armoured_support_vehicle"
    self_propelled_howitzer = "self_propelled_howitzer"
    towed_artillery = "towed_artillery"
    mlrs = "mlrs"
    combat_aircraft = "combat_aircraft"
    trainer_aircraft = "trainer_aircraft"
    transport_aircraft = "transport_aircraft"
    attack_helicopter = "attack_helicopter"
    transport_helicopter = "transport_helicopter"
    air_defence_system = "air_defence_system"
    artillery_ammunition = "artillery_ammunition"
    missile = "missile"
    logistics_vehicle = "logistics_vehicle"
    naval_vessel = "naval_vessel"
    uav = "uav"
    sensor = "sensor"
    engine = "engine"
    component = "component"
    other = "other"

    @property
    def label(self) -> str:
        """A human label: ``main_battle_tank`` -> ``main battle tank``."""
        return _CATEGORY_LABELS.get(self.value, self.value.replace("_", " "))


_CATEGORY_LABELS = {
    "mlrs": "multiple rocket launcher (MLRS)",
    "uav": "unmanned aerial vehicle",
    "air_defence_system": "air-defence system",
}


class Era(StrEnum):
    """Generation of a design, so a chain can say "older kit out, newer in".

    Ordered oldest first: ``soviet_legacy`` < ``cold_war_western`` < ``modern``.
    """

    soviet_legacy = "soviet_legacy"
    cold_war_western = "cold_war_western"
    modern = "modern"

    @property
    def rank(self) -> int:
        """0 for the oldest era, higher for newer ones."""
        return list(Era).index(self)


class TransferKind(StrEnum):
    """How ownership changes hands on one leg."""

    sale = "sale"
    donation = "donation"
    loan = "loan"
    lease = "lease"
    licensed_production = "licensed_production"
    unspecified = "unspecified"
    """The terms (sale, barter, gift) are not public: say so rather than guess."""


class TransferStatus(StrEnum):
    """Where a leg stands. ``offered`` is never a completed transfer."""

    offered = "offered"
    framework_agreed = "framework_agreed"
    contracted = "contracted"
    delivering = "delivering"
    delivered = "delivered"
    cancelled = "cancelled"


class Condition(StrEnum):
    """State of the equipment when it changes hands."""

    new = "new"
    second_hand = "second_hand"
    modernised = "modernised"


class Confidence(StrEnum):
    """How far we trust a fact: ``high`` (official or several independent
    sources), ``medium`` (one good source), ``low`` (unconfirmed or disputed)."""

    low = "low"
    medium = "medium"
    high = "high"

    @property
    def score(self) -> float:
        """A number for ranking: low 0.3, medium 0.6, high 0.9."""
        return {"low": 0.3, "medium": 0.6, "high": 0.9}[self.value]

    @property
    def rank(self) -> int:
        """0 for low, 1 for medium, 2 for high."""
        return list(Confidence).index(self)


class Qualifier(StrEnum):
    """How exact a figure is."""

    exact = "exact"
    about = "about"
    at_least = "at_least"
    up_to = "up_to"


class Measure(StrEnum):
    """Which quantity a reported figure speaks of."""

    ordered = "ordered"
    delivered = "delivered"
    pledged = "pledged"


class DeploymentStatus(StrEnum):
    """Where a deployment stands."""

    announced = "announced"
    active = "active"
    ended = "ended"


class BackfillKind(StrEnum):
    """Why one leg is tied to another.

    ``replacement``: the intermediary buys or receives kit to replace what it gave away;
    ``ring_exchange``: a third state supplies kit in compensation (Germany's Ringtausch);
    ``financing``: a third party pays for what another supplies.
    """

    replacement = "replacement"
    ring_exchange = "ring_exchange"
    financing = "financing"


class SourceKind(StrEnum):
    """What kind of document a source is."""

    news = "news"
    official = "official"
    database = "database"
    analysis = "analysis"


# --------------------------------------------------------------------------- scalars

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
"""A stable identifier: letters, digits, ``.``, ``_`` and ``-``; states use ISO 3166-1 alpha-3."""

QID = Annotated[str, StringConstraints(pattern=r"^Q[1-9][0-9]*$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=300)]
HttpUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s<>\"']+$", max_length=2000)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def Ref(*sections: str, **kwargs: Any) -> Any:
    """A field that holds the id (or ids) of records in ``sections``; rules check they exist."""
    extra = {"refers_to": list(sections)}
    return Field(json_schema_extra=extra, **kwargs)  # type: ignore[arg-type]


def references(model: type[BaseModel]) -> dict[str, tuple[str, ...]]:
    """Field name -> sections its ids must be found in, read from the schema.

    >>> references(BackfillClaim)["replacing"]
    ('transfers', 'deployments')
    """
    found: dict[str, tuple[str, ...]] = {}
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and isinstance(extra.get("refers_to"), list):
            found[name] = tuple(str(section) for section in extra["refers_to"])  # type: ignore[union-attr]
    return found


_DATE_RE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_PARSED: dict[str | int, PartialDate] = {}
"""Text or year -> its PartialDate: data repeats the same dates over and over, and a shared
instance computes its earliest and latest day once. Instances are never changed after __init__."""
_PARSED_MAX = 100_000


@total_ordering
class PartialDate:
    """A date known to the year, the month or the day: ``2022``, ``2022-08``, ``2022-08-26``.

    Comparisons use the earliest day the date can mean; use :meth:`earliest` and
    :meth:`latest` to reason about overlap.

    >>> PartialDate.parse("2022-04") < PartialDate.parse("2022-08-26")
    True
    >>> str(PartialDate.parse(2023)), PartialDate.parse("2023").latest()
    ('2023', datetime.date(2023, 12, 31))
    """

    # _range (earliest, latest) is computed on first use and never pickled (see __getstate__).
    __slots__ = ("_range", "day", "month", "year")
    _range: tuple[dt.date, dt.date]

    def __init__(self, year: int, month: int | None = None, day: int | None = None) -> None:
        if day is not None and month is None:
            raise ValueError("a day needs a month")
        dt.date(year, month or 1, day or 1)  # raises ValueError on impossible dates
        self.year, self.month, self.day = year, month, day

    @classmethod
    def parse(cls, value: object) -> PartialDate:
        """Read ``2022``, ``"2022-08"`` or ``"2022-08-26"`` (or a :class:`datetime.date`)."""
        if isinstance(value, PartialDate):
            return value
        # Exact types only: True must not find the entry for 1.
        if type(value) is str or type(value) is int:
            known = _PARSED.get(value)
            if known is not None:
                return known
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            parsed = _PARSED[value] = cls._parse_text(str(value))
            return parsed
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValueError(f"a date must be YYYY, YYYY-MM or YYYY-MM-DD (got {value!r})")
        return cls._parse_text(value)

    @classmethod
    def _parse_text(cls, value: str) -> PartialDate:
        match = _DATE_RE.match(value.strip())
        if not match:
            raise ValueError(f"a date must be YYYY, YYYY-MM or YYYY-MM-DD (got {value!r})")
        year, month, day = (int(g) if g else None for g in match.groups())
        assert year is not None
        try:
            return cls(year, month, day)
        except ValueError:
            raise ValueError(f"{value!r} is not a real date") from None

    @property
    def precision(self) -> str:
        """``year``, ``month`` or ``day``."""
        return "day" if self.day else "month" if self.month else "year"

    def earliest(self) -> dt.date:
        """The first day this date can mean."""
        return self._key()[0]

    def latest(self) -> dt.date:
        """The last day this date can mean."""
        return self._key()[1]

    def _key(self) -> tuple[dt.date, dt.date]:
        try:
            return self._range
        except AttributeError:  # first use: comparisons and the RDF writer call this a lot
            pass
        earliest = dt.date(self.year, self.month or 1, self.day or 1)
        if self.day:
            latest = earliest
        else:
            month = self.month or 12
            last = 29 if month == 2 and calendar.isleap(self.year) else _DAYS_IN_MONTH[month]
            latest = dt.date(self.year, month, last)
        self._range = (earliest, latest)
        return self._range

    def __getstate__(self) -> tuple[int, int | None, int | None]:
        return (self.year, self.month, self.day)

    def __setstate__(self, state: tuple[int, int | None, int | None]) -> None:
        self.year, self.month, self.day = state

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PartialDate) and self._key() == other._key()

    def __lt__(self, other: PartialDate) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month:
            text += f"-{self.month:02d}"
        if self.day:
            text += f"-{self.day:02d}"
        return text

    def __repr__(self) -> str:
        return f"PartialDate({str(self)!r})"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: object) -> PartialDate:
            try:
                return cls.parse(value)
            except ValueError as exc:
                raise PydanticCustomError("partial_date", str(exc)) from None

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.to_string_ser_schema()
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$", "examples": ["2022-08-26"]}


# --------------------------------------------------------------------------- value objects


class _Strict(BaseModel):
    """Every model rejects unknown fields: a typo must never silently drop data."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Quantity(_Strict):
    """A count of items with how exact it is.

    Written as a whole number (``180``, meaning exactly 180) or as a mapping
    (``{value: 200, qualifier: at_least}``); ``upper`` gives a range (``{value: 54, upper: 60}``).
    """

    value: int = Field(ge=0, description="The count, a whole number >= 0.", examples=[180])
    qualifier: Qualifier = Field(Qualifier.exact, description="How exact the count is.")
    upper: int | None = Field(
        None, ge=0, description="Upper end of a range; `value` is then the lower end."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise PydanticCustomError("quantity", "must be a whole number >= 0")
        if isinstance(data, int):
            return {"value": data}
        if isinstance(data, str | float):
            raise PydanticCustomError(
                "quantity", "must be a whole number >= 0, or a mapping such as {value: 200, qualifier: at_least}"
            )
        return data

    @model_validator(mode="after")
    def _range_is_ordered(self) -> Quantity:
        if self.upper is not None and self.upper < self.value:
            raise PydanticCustomError("quantity", "upper must be >= value")
        return self

    def __str__(self) -> str:
        prefix = {"exact": "", "about": "about ", "at_least": "at least ", "up_to": "up to "}
        text = f"{prefix[self.qualifier.value]}{self.value:,}"
        return f"{text}-{self.upper:,}" if self.upper is not None else text


class Money(_Strict):
    """A value in millions of a currency (ISO 4217 code, or ``TIV`` for SIPRI trend-indicator values)."""

    millions: float = Field(gt=0, allow_inf_nan=False, description="The amount in millions.", examples=[3370])
    currency: Currency = Field(description="ISO 4217 code such as USD, EUR, PLN; TIV for SIPRI TIV.")
    qualifier: Qualifier = Field(Qualifier.exact, description="How exact the amount is.")

    def __str__(self) -> str:
        prefix = {"exact": "", "about": "about ", "at_least": "at least ", "up_to": "up to "}
        return f"{prefix[self.qualifier.value]}{self.millions:,.0f} m {self.currency}"


class ReportedFigure(_Strict):
    """One source's figure for a leg, kept when sources disagree."""

    source: Id = Ref("sources", description="Id of the source that gives this figure.")
    measure: Measure = Field(Measure.delivered, description="What the figure counts.")
    quantity: Quantity = Field(description="The figure as the source gives it.")
    note: Text | None = Field(None, description="Context, in our own words.")


# --------------------------------------------------------------------------- records


class Record(_Strict):
    """Fields every fact shares."""

    SECTION: ClassVar[str] = ""
    id: Id = Field(description="Stable identifier, unique across all records.")


class Actor(Record):
    """A state (ISO 3166-1 alpha-3 id), an organisation, a company or a non-state actor."""

    SECTION: ClassVar[str] = "actors"
    name: Name = Field(description="Common English name.", examples=["South Korea"])
    kind: ActorKind = Field(description="What the actor is.")
    aliases: list[Name] = Field(default_factory=list, description="Other names, as sources spell them.")
    country: Id | None = Ref("actors", default=None, description="For companies: the state they belong to.")
    wikidata: QID | None = Field(None, description="Wikidata QID, only when certain.")
    notes: Text | None = Field(None, description="Context, in our own words.")

    @model_validator(mode="after")
    def _state_ids_are_iso3(self) -> Actor:
        if self.kind is ActorKind.state and not re.fullmatch(r"[A-Z]{3}", self.id):
            raise PydanticCustomError(
                "state_id", "a state's id must be its ISO 3166-1 alpha-3 code, such as POL"
            )
        return self


class System(Record):
    """A weapon system or other equipment type."""

    SECTION: ClassVar[str] = "systems"
    name: Name = Field(description="Usual name.", examples=["K2 Black Panther"])
    aliases: list[Name] = Field(default_factory=list, description="Other designations used by sources.")
    category: Category = Field(description="Capability category (controlled vocabulary).")
    era: Era | None = Field(None, description="Generation of the design.")
    origin: Id | None = Ref("actors", default=None, description="Actor id of the state of origin.")
    manufacturer: Id | None = Ref("actors", default=None, description="Actor id of the maker.")
    based_on: Id | None = Ref("systems", default=None, description="System id this one derives from (lineage).")
    wikidata: QID | None = Field(None, description="Wikidata QID, only when certain.")
    notes: Text | None = Field(None, description="Context, in our own words.")


class Source(Record):
    """A document a fact rests on."""

    SECTION: ClassVar[str] = "sources"
    publisher: Name = Field(description="Who published it (with 'via' for relays).")
    title: Name = Field(
        description="Title as published; a title in [square brackets] is our description of an untitled or unseen one."
    )
    date: PartialDate | None = Field(None, description="Publication date, when known.")
    url: HttpUrl | None = Field(None, description="http(s) address, only when known exactly.")
    kind: SourceKind = Field(description="What kind of document it is.")
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] | None = Field(
        None, description="ISO 639-1 code when not English."
    )
    notes: Text | None = Field(None, description="Caveats (state media, unconfirmed), in our own words.")


class Transfer(Record):
    """One leg: equipment changing hands from a supplier to a recipient."""

    SECTION: ClassVar[str] = "transfers"
    supplier: Id = Ref("actors", description="Actor id of the supplier.")
    recipient: Id = Ref("actors", description="Actor id of the recipient.")
    system: Id = Ref("systems", description="System id.")
    kind: TransferKind = Field(
        description="Sale, donation, loan, lease or licensed production; unspecified when the terms are not public."
    )
    status: TransferStatus = Field(description="Where the leg stands.")
    quantity_ordered: Quantity | None = Field(None, description="Units ordered, pledged or offered.")
    quantity_delivered: Quantity | None = Field(None, description="Units delivered so far.")
    announced: PartialDate | None = Field(None, description="When the leg was first announced.")
    signed: PartialDate | None = Field(None, description="When the agreement or contract was signed.")
    first_delivery: PartialDate | None = Field(None, description="First delivery.")
    last_delivery: PartialDate | None = Field(None, description="Last delivery (so far).")
    deliveries: dict[int, int] = Field(
        default_factory=dict, description="Units delivered per calendar year, where known: {2022: 10}."
    )
    condition: Condition | None = Field(None, description="New, second-hand or modernised.")
    value: Money | None = Field(None, description="Deal value.")
    financed_by: list[Id] = Ref("actors", default_factory=list, description="Actor ids of third-party payers.")
    consent_from: list[Id] = Ref(
        "actors", default_factory=list, description="Actor ids whose re-export consent the leg needed."
    )
    part_of: Id | None = Ref(
        "transfers", default=None, description="Transfer id of the framework this contract executes."
    )
    same_as: Id | None = Ref(
        "transfers",
        default=None,
        description="Id of a curated transfer this imported leg also describes: the curated one stays "
        "authoritative and this record adds its source's figures (set by importers, see docs/importers.md).",
    )
    confidence: Confidence = Field(description="How far we trust the leg as a whole.")
    reported: list[ReportedFigure] = Field(
        default_factory=list, description="Other sources' figures, kept where they disagree."
    )
    notes: Text | None = Field(None, description="Context, in our own words.")
    sources: list[Id] = Ref("sources", min_length=1, description="Ids of the sources for this leg (at least one).")

    @field_validator("deliveries")
    @classmethod
    def _deliveries_are_plausible(cls, value: dict[int, int]) -> dict[int, int]:
        for year, count in value.items():
            if not 1900 <= year <= 2100:
                raise PydanticCustomError("deliveries", "years must be between 1900 and 2100")
            if count < 0:
                raise PydanticCustomError("deliveries", "counts must be whole numbers >= 0")
        return value

    def dates(self) -> dict[str, PartialDate]:
        """The dates that are set, by name, in the order a deal lives through them."""
        names = ("announced", "signed", "first_delivery", "last_delivery")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}

    def start(self) -> PartialDate | None:
        """The earliest date known for the leg."""
        dates = list(self.dates().values())
        if not dates and self.deliveries:
            return PartialDate(min(self.deliveries))
        return min(dates) if dates else None

    def quantity(self) -> Quantity | None:
        """The best single count: delivered when known, else ordered."""
        return self.quantity_delivered or self.quantity_ordered


class Deployment(Record):
    """Forces or systems stationed in another state without change of ownership."""

    SECTION: ClassVar[str] = "deployments"
    provider: Id = Ref("actors", description="Actor id of the state that deploys.")
    host: Id = Ref("actors", description="Actor id of the state hosting the deployment.")
    system: Id | None = Ref("systems", default=None, description="System id, when equipment is deployed.")
    quantity: Quantity | None = Field(None, description="Units (batteries, systems) deployed.")
    personnel: Quantity | None = Field(None, description="Troops deployed.")
    status: DeploymentStatus = Field(description="Announced, active or ended.")
    announced: PartialDate | None = Field(None, description="When it was announced.")
    start: PartialDate | None = Field(None, description="When it began.")
    end: PartialDate | None = Field(None, description="When it ended.")
    confidence: Confidence = Field(description="How far we trust it.")
    notes: Text | None = Field(None, description="Context, in our own words.")
    sources: list[Id] = Ref("sources", min_length=1, description="Ids of the sources (at least one).")

    def dates(self) -> dict[str, PartialDate]:
        """The dates that are set, by name."""
        names = ("announced", "start", "end")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


class BackfillClaim(Record):
    """A sourced claim that some legs replaced or paid for others.

    ``replacing`` are the legs into the intermediary (KOR -> POL K2) or deployments
    (allied Patriots in Slovakia); ``enabled`` the legs they made possible (POL -> UKR T-72).
    """

    SECTION: ClassVar[str] = "backfills"
    kind: BackfillKind = Field(description="Replacement, ring exchange or financing.")
    replacing: list[Id] = Ref(
        "transfers", "deployments", min_length=1, description="Transfer or deployment ids that replace."
    )
    enabled: list[Id] = Ref("transfers", min_length=1, description="Transfer ids made possible.")
    confidence: Confidence = Field(description="How far the sources support the link.")
    notes: Text | None = Field(None, description="The claim in our own words.")
    sources: list[Id] = Ref("sources", min_length=1, description="Ids of the sources that make the link.")


RECORD_TYPES: tuple[type[Record], ...] = (Actor, System, Source, Transfer, Deployment, BackfillClaim)
SECTIONS: dict[str, type[Record]] = {model.SECTION: model for model in RECORD_TYPES}
"""Section name in a seed file -> record model."""


class SeedFile(_Strict):
    """The shape of one seed file: optional ``description`` and any of the sections."""

    description: Text | None = Field(None, description="What this file covers.")
    actors: list[Actor] = Field(default_factory=list)
    systems: list[System] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    transfers: list[Transfer] = Field(default_factory=list)
    deployments: list[Deployment] = Field(default_factory=list)
    backfills: list[BackfillClaim] = Field(default_factory=list)
