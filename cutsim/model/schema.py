"""The place model and scenarios as typed objects (docs/file-format.md, docs/levers.md).

These are the domain objects every part of cutsim shares: the exchange file is read
into them, the workspace stores them, the engine compiles them and the app edits them.
They check *types* only (strict: no coercion, no unknown fields, no NaN/Infinity);
every rule about values and references lives in :mod:`cutsim.model.validation`, so that an
object being edited can hold an invalid value and the validator can say what is wrong.

Units: money is GBP at the place's price year (real terms), rates are per year, time
is in years from 1 April of ``base_year``. Fields named ``percent`` are 0-100; shares
and fractions are 0-1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from cutsim.model import lever_kinds

AGENCY_KINDS = ("council", "nhs", "police", "dwp", "probation", "education", "vcs", "other")
SERVICE_MODES = ("discretionary", "demand_led")
PLACE_ID = "place"  # reserved: the sum over agencies, never an agency id
DISCOUNT_SCHEDULES = ("green_book", "flat")  # place.discount_schedule (docs/appraisal.md)
MAX_TERMINAL_YEARS = 100  # place.terminal_years: at most this many years after the horizon

# Optimism-bias uplift by confidence grade (fraction). cutsim's documented defaults,
# after the spread of the Green Book supplementary guidance on optimism bias: the
# weaker the evidence behind a link, the more its benefits are discounted.
DEFAULT_OPTIMISM_BIAS: dict[str, float] = {"1": 0.60, "2": 0.40, "3": 0.25, "4": 0.10, "5": 0.0}


def added_in(version: int, *, changes_figures: bool) -> JsonDict:
    """Schema metadata for a field added after format version 1 (docs/file-format.md).

    Use as ``Field(default=None, json_schema_extra=added_in(2, changes_figures=False))``.
    A field that can change a figure when present (growth, ranges) needs a reader that
    knows it, so a file using it sets ``min_reader_version``; one that cannot (a note, a
    short name, a signature) may be ignored by older readers. The writer
    (:mod:`cutsim.files.versions`) reads this to set the lowest versions a file needs.
    """
    return {"x-cutsim-since": version, "x-cutsim-changes-figures": changes_figures}


class Strict(BaseModel):
    """Base for every file object: strict types, unknown fields refused, finite floats."""

    model_config = ConfigDict(
        extra="forbid", strict=True, allow_inf_nan=False, validate_assignment=False
    )

    @classmethod
    def model_rebuild(cls, *, force: bool = False, raise_errors: bool = True,
                      _parent_namespace_depth: int = 2, _types_namespace: Any = None) -> bool | None:
        """pydantic's rebuild, after the lever kinds are loaded: ``Scenario.levers`` is a
        union of the registered kinds (:mod:`cutsim.model.lever_kinds`), completed on the
        first use of any model that holds levers."""
        lever_kinds.ensure_loaded()
        return super().model_rebuild(force=force, raise_errors=raise_errors,
                                     _parent_namespace_depth=_parent_namespace_depth + 1,
                                     _types_namespace=_types_namespace)


class Place(Strict):
    name: str
    base_year: int
    horizon_years: int = 10
    steps_per_year: int = 12
    discount_rate: float = 0.035
    price_year: int | None = None
    population: int | None = None
    optimism_bias: dict[str, float] | None = None
    local_multiplier: float | None = None
    notes: str | None = None
    # Wider uncertainty (docs/mathematics.md): apply the documented default ranges by confidence
    # grade to every input without its own _low/_high; and the rank correlation of
    # inputs citing the same source (0 = independent draws, the default).
    wide_uncertainty: bool | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    source_correlation: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    # "green_book" (None means it: a file that leaves it out stays version 1) or "flat".
    discount_schedule: str | None = Field(default=None,
                                          json_schema_extra=added_in(2, changes_figures=True))
    # Years after the horizon counted at the long-run level (the terminal value); None: off.
    terminal_years: int | None = Field(default=None,
                                       json_schema_extra=added_in(2, changes_figures=True))

    @property
    def effective_discount_schedule(self) -> str:
        """The discount schedule in use: ``discount_schedule``, else ``"green_book"``."""
        return self.discount_schedule if self.discount_schedule is not None else "green_book"

    @property
    def effective_price_year(self) -> int:
        return self.price_year if self.price_year is not None else self.base_year

    @property
    def effective_optimism_bias(self) -> dict[str, float]:
        table = dict(DEFAULT_OPTIMISM_BIAS)
        table.update(self.optimism_bias or {})
        return table


FUNDING_KINDS = ("council_tax", "business_rates", "settlement_grant", "specific_grant",
                 "fees_and_charges", "other")
LEVER_STATUSES = ("green", "amber", "red", "delivered")  # a savings programme's RAG rating
AUTHORITY_CLASSES = ("social_care", "district", "police", "fire", "none")  # referendum principles


class FundingLine(Strict):
    """One line of an agency's funding (docs/mtfs.md), £ a year in cash.

    ``amount``: the base-year figure, grown by ``growth_percent`` a year (cash growth), or
    one figure per financial year. A ring-fenced grant names the ``grant`` id its services'
    ``funding_source`` carries: it funds those services and never the general fund.
    """

    id: str
    name: str
    kind: str
    amount: float | list[float]
    growth_percent: float | None = None
    grant: str | None = None
    source: str | None = None


class CouncilTax(Strict):
    """A council's council tax (docs/mtfs.md): tax base × Band D, in cash.

    ``tax_base`` is Band D equivalents in the base year, growing ``tax_base_growth_percent``
    a year; ``band_d`` is the base year's Band D charge (£), raised from the next year on by
    ``increase_percent`` (core) plus ``asc_precept_percent`` (adult social care precept),
    each one figure or one per financial year (year 0's entry is not used: its charge is
    set). The referendum principles of ``authority_class`` give the default limits
    (:data:`cutsim.appraise.budget.REFERENDUM_PRINCIPLES`); ``limit_percent`` (core),
    ``total_limit_percent`` (core plus precept) and ``limit_pounds`` (on Band D) override
    them. ``collection_fund``: the collection fund's surplus (+) or deficit (−), £.
    """

    tax_base: float
    band_d: float
    tax_base_growth_percent: float = 0.0
    increase_percent: float | list[float] = 0.0
    asc_precept_percent: float | list[float] = 0.0
    authority_class: str = "social_care"
    limit_percent: float | None = None
    total_limit_percent: float | None = None
    limit_pounds: float | None = None
    collection_fund: float | list[float] | None = None
    source: str | None = None


class NamedPressure(Strict):
    """A pressure by name (the national living wage, a new contract), £ by year in cash."""

    name: str
    amount: float | list[float]


class Pressures(Strict):
    """An agency's cost pressures by kind, beside demand growth on its services (cash).

    ``pay_share`` (0-1) of the general-fund spend is pay, rising by ``pay_award_percent``
    a year; the rest by ``contract_inflation_percent``; each one figure or one per
    financial year (year 0's entry is not used). ``levies`` and ``named`` are £ a year.
    """

    pay_share: float = 0.0
    pay_award_percent: float | list[float] = 0.0
    contract_inflation_percent: float | list[float] = 0.0
    levies: float | list[float] = 0.0
    named: list[NamedPressure] = Field(default_factory=list)


class EarmarkedReserve(Strict):
    name: str
    amount: float
    purpose: str


class Agency(Strict):
    id: str
    name: str
    kind: str
    savings_target: float | list[float] | None = None
    notes: str | None = None
    # A name of at most 20 characters for where space is tight (table headers, legends).
    short_name: str | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=False))
    # The medium-term financial plan (docs/mtfs.md), all optional, format version 2:
    # pay and price inflation (% a year, for the cash view only); general-fund funding
    # (£ a year: one base-year figure grown by funding_growth_percent a year, or one per
    # financial year); reserves at the start (£).
    inflation_percent: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    funding: float | list[float] | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    funding_growth_percent: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    # Format version 3 (docs/mtfs.md): funding by line, council tax, pressures by kind, the
    # general reserve's (``reserves``) minimum prudent balance (£, or % of the base-year
    # net budget) and earmarked reserves held for their purposes (shown, not drawn on).
    reserves: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    minimum_balance: float | None = Field(default=None, json_schema_extra=added_in(3, changes_figures=True))
    minimum_balance_percent: float | None = Field(default=None,
                                                  json_schema_extra=added_in(3, changes_figures=True))
    earmarked_reserves: list[EarmarkedReserve] | None = Field(
        default=None, json_schema_extra=added_in(3, changes_figures=False))
    funding_lines: list[FundingLine] | None = Field(default=None,
                                                    json_schema_extra=added_in(3, changes_figures=True))
    council_tax: CouncilTax | None = Field(default=None, json_schema_extra=added_in(3, changes_figures=True))
    pressures: Pressures | None = Field(default=None, json_schema_extra=added_in(3, changes_figures=True))
    # What a savings package costs to deliver (docs/levers.md, "The optimiser"): months of
    # notice before a cut saves, for services that give none; the one-off cost of each post
    # removed (£ per FTE: redundancy pay and pension strain). Read by ``cutsim optimise``
    # only: a run's figures never change with them.
    notice_months: float | None = Field(default=None, json_schema_extra=added_in(3, changes_figures=False))
    cost_per_redundancy: float | None = Field(default=None,
                                              json_schema_extra=added_in(3, changes_figures=False))

    @property
    def label(self) -> str:
        """The name to show where space is tight: ``short_name``, else the name without
        its bracketed detail ("NHS in Seaport (ICB …)" → "NHS in Seaport")."""
        return self.short_name or self.name.split(" (")[0].strip() or self.name


class Service(Strict):
    id: str
    agency: str
    name: str
    baseline_spend: float
    unit_cost: float
    activity_unit: str
    mode: str
    statutory_floor: float = 0.0
    max_efficiency_percent: float = 10.0
    external_share: float | None = None
    groups: list[str] = Field(default_factory=list)
    # The medium-term financial plan (docs/mtfs.md), all optional, format version 2:
    # demand growth (% a year, compounding at each financial year's start); the budget
    # that pays for the service ("general_fund", or a ring-fenced grant's id); full-time
    # equivalent posts; the share of a knock-on cost that is cashable (budgets really move).
    demand_growth_percent: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    funding_source: str | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    fte: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=False))
    cashable_share: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    # For ``cutsim optimise`` (docs/levers.md), format version 3, never changing a run's
    # figures: months of notice before a cut of this service saves (else the agency's);
    # the most the optimiser may cut, percent of baseline spend (beside the statutory
    # floor); the directorate that runs it, for the savings programme.
    notice_months: float | None = Field(default=None, json_schema_extra=added_in(3, changes_figures=False))
    max_cut_percent: float | None = Field(default=None, json_schema_extra=added_in(3, changes_figures=False))
    directorate: str | None = Field(default=None, json_schema_extra=added_in(3, changes_figures=False))
    confidential: bool = False
    illustrative: bool = False
    source: str | None = None
    notes: str | None = None
    # Ranges of the uncertain figures (low ≤ value ≤ high) and how sure the figures are (1–5).
    baseline_spend_low: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    baseline_spend_high: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    unit_cost_low: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    unit_cost_high: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    confidence: int | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))

    @property
    def baseline_activity(self) -> float:
        """A0 = baseline_spend / unit_cost, in activity units per year."""
        return self.baseline_spend / self.unit_cost


class Outcome(Strict):
    id: str
    name: str
    unit: str
    baseline: float
    higher_is_better: bool
    value_per_unit: float | None = None
    indicator: str | None = None
    illustrative: bool = False
    source: str | None = None
    notes: str | None = None
    # Format version 3 (docs/actuals.md): the standard deviation of an observed yearly
    # mean of this outcome about its true value, in the outcome's unit; the review's
    # observation error (changes no figure of a run).
    observation_sd: float | None = Field(default=None, json_schema_extra=added_in(3, changes_figures=False))


class Effect(Strict):
    """service -> outcome: per_unit is the change in outcome level per unit of activity."""

    id: str
    service: str
    outcome: str
    per_unit: float
    low: float
    high: float
    delay_years: float
    delay_years_low: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    delay_years_high: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    delay_order: int = 1
    confidence: int
    source: str
    confidential: bool = False
    illustrative: bool = False
    notes: str | None = None


class Demand(Strict):
    """outcome -> demand-led service: activity units demanded per unit of outcome change."""

    id: str
    outcome: str
    service: str
    per_unit: float
    low: float
    high: float
    confidence: int
    source: str
    confidential: bool = False
    illustrative: bool = False
    notes: str | None = None


class LeverBase(Strict):
    """What every lever has. Each kind's own fields are declared in its module of
    :mod:`cutsim.levers.kinds` (a subclass with ``kind: Literal["<name>"]``)."""

    id: str
    start_year: float = 0.0
    phase_years: float = 0.0
    note: str | None = None
    # How sure the agency is of delivering the saving (0-100 %), for the plan's risk view.
    delivery_confidence_percent: float | None = Field(
        default=None, json_schema_extra=added_in(2, changes_figures=False))
    # How well evidenced the lever's own saving is (confidence grade 1-5, 5 strongest): its
    # planned saving and one-off cost take that grade's optimism bias (docs/appraisal.md).
    delivery_confidence: int | None = Field(default=None,
                                            json_schema_extra=added_in(3, changes_figures=True))
    # The savings programme (docs/mtfs.md): who delivers it and how it is going.
    directorate: str | None = Field(default=None, json_schema_extra=added_in(3, changes_figures=False))
    owner: str | None = Field(default=None, json_schema_extra=added_in(3, changes_figures=False))
    status: str | None = Field(default=None, json_schema_extra=added_in(3, changes_figures=False))
    if TYPE_CHECKING:  # each kind's subclass declares it as a Literal
        kind: str


if TYPE_CHECKING:  # at run time, the union of the registered kinds (_install_lever_union)
    Lever = LeverBase


class RedLine(Strict):
    outcome: str
    max_change: float
    # "as" is a Python keyword, so the attribute is as_ and the file field "as".
    as_: Literal["level", "percent"] = Field(alias="as")
    by_year: float | None = None

    model_config = ConfigDict(populate_by_name=True)


class Target(Strict):
    agency: str  # an agency id or "place"
    amount: float
    from_year: int = 0


class OfferedLever(Strict):
    """A lever residents may move on a consultation page, in the lever's own unit
    (``percent`` of baseline spend or ``amount`` £/yr, whichever the lever uses)."""

    lever: str  # a cut or invest lever id of the scenario
    min: float
    max: float
    step: float
    explanation: str  # plain words: what this service does and what the change means


class EqualityQuestion(Strict):
    """An optional equality-monitoring question the council asks, with its answers."""

    id: str
    question: str
    options: list[str]


class Consultation(Strict):
    """What residents may try on a consultation page (``cutsim consult``)."""

    title: str | None = None
    intro: str | None = None
    levers: list[OfferedLever]
    equality_questions: list[EqualityQuestion] = Field(default_factory=list)
    # Where the page may post a response (https only); none means download-only.
    post_url: str | None = None


class Scenario(Strict):
    id: str
    name: str
    description: str | None = None
    author: str | None = None
    organisation: str | None = None
    created: str | None = None
    parent: str | None = None
    red_lines: list[RedLine] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    # The registered lever kinds, told apart by "kind" (installed by _install_lever_union).
    levers: list[Lever] = Field(default_factory=list)
    # The financial year (0-based) every summary of this scenario shows; see headline_year().
    headline_year: int | None = Field(default=None,
                                      json_schema_extra=added_in(2, changes_figures=False))
    # What residents may move on a consultation page; changes no figure of the scenario.
    consultation: Consultation | None = Field(default=None,
                                              json_schema_extra=added_in(2, changes_figures=False))


DEFAULT_HEADLINE_YEAR = 4  # 0-based: the fifth financial year, when most delayed harm shows


def headline_year(scenario: Scenario | None, horizon_years: int) -> int:
    """The 0-based financial year a scenario's summaries show (docs/result-format.md).

    The scenario's own ``headline_year`` when set, else min(4, H − 1).
    """
    if scenario is not None and scenario.headline_year is not None:
        return scenario.headline_year
    return min(DEFAULT_HEADLINE_YEAR, horizon_years - 1)


GENERAL_FUND = "general_fund"  # a service's default funding source


class Geometry(Strict):
    """A GeoJSON Polygon or MultiPolygon ([longitude, latitude] positions, WGS 84)."""

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[list[list[float]]] | list[list[list[list[float]]]]


class Area(Strict):
    """A neighbourhood of the place (docs/areas.md).

    Shares are fractions 0-1 of a service's baseline spend and activity, or of an outcome's
    baseline level, found in this area; a service or outcome not named takes the area's
    population share. ``effect_multipliers`` scale an effect's per_unit in this area (1 =
    as the place; 1.5 = half as strong again, e.g. in a deprived area).
    """

    id: str
    name: str
    population: int
    deprivation_decile: int | None = None  # 1 = most deprived tenth of areas in England
    geometry: Geometry | None = None
    service_shares: dict[str, float] | None = None
    outcome_shares: dict[str, float] | None = None
    effect_multipliers: dict[str, float] | None = None
    illustrative: bool = False
    source: str | None = None
    notes: str | None = None


class Model(Strict):
    place: Place
    agencies: list[Agency]
    services: list[Service]
    outcomes: list[Outcome]
    effects: list[Effect] = Field(default_factory=list)
    demands: list[Demand] = Field(default_factory=list)
    areas: list[Area] | None = Field(default=None,
                                     json_schema_extra=added_in(2, changes_figures=True))

    def agency(self, agency_id: str) -> Agency:
        return _by_id(self.agencies, agency_id, "agency")

    def service(self, service_id: str) -> Service:
        return _by_id(self.services, service_id, "service")

    def outcome(self, outcome_id: str) -> Outcome:
        return _by_id(self.outcomes, outcome_id, "outcome")


class Provenance(Strict):
    author: str | None = None
    organisation: str | None = None
    created: str | None = None
    tool_version: str | None = None
    model_sha256: str | None = None


class Signature(Strict):
    """One partner's Ed25519 signature over the file's content (docs/signing.md).

    ``signed_sha256`` is the SHA-256 of the RFC 8785 canonical JSON of the file without
    ``sha256`` and ``signatures`` at the time of signing; ``sig`` signs it together with
    ``agency``, so a signature made over an earlier version can still be checked and
    reported as such.
    """

    agency: str
    organisation: str | None = None
    key_id: str
    alg: Literal["ed25519"]
    signed_sha256: str
    sig: str


ACTUAL_KINDS = ("outcome", "spend")  # actuals.observations[].kind (docs/actuals.md)


class Observation(Strict):
    """One thing that happened in a financial year (docs/actuals.md).

    ``kind`` "outcome": ``id`` is an outcome's id and ``value`` the year's mean level in
    the outcome's unit. ``kind`` "spend": ``id`` is a service's id and ``value`` the year's
    spend outturn in £ at the place's price year (real terms, as every £ of the model).
    ``year`` is a financial-year label such as "2026-27"; ``area`` an area's id when the
    figure is for one area only; ``date`` (ISO 8601, YYYY-MM-DD) when it was published.
    """

    kind: Literal["outcome", "spend"]
    id: str
    year: str
    value: float
    source: str
    area: str | None = None
    date: str | None = None
    notes: str | None = None


class Decision(Strict):
    """Which scenario was adopted, when (YYYY-MM-DD) and by whom."""

    scenario: str
    date: str | None = None
    by: str | None = None
    notes: str | None = None


class Actuals(Strict):
    """What happened: the decision taken and the observations since (docs/actuals.md)."""

    decision: Decision | None = None
    observations: list[Observation] = Field(default_factory=list)
    illustrative: bool = False
    notes: str | None = None


class CutsimFile(Strict):
    """One ``.cutsim`` exchange file: a model and the scenarios built on it."""

    format: Literal["cutsim"]
    format_version: int
    min_reader_version: int | None = None
    model: Model
    scenarios: list[Scenario] = Field(default_factory=list)
    provenance: Provenance | None = None
    redacted: bool | None = None
    # Partners' signatures, each over the content without sha256 and signatures; a
    # signature changes no figure, so older readers may ignore it.
    signatures: list[Signature] | None = Field(default=None,
                                               json_schema_extra=added_in(2, changes_figures=False))
    # Outturn and observed outcomes, and the decision taken (docs/actuals.md); changes no
    # figure of a run, so older readers may ignore it.
    actuals: Actuals | None = Field(default=None, json_schema_extra=added_in(3, changes_figures=False))
    sha256: str | None = None

    def scenario(self, scenario_id: str) -> Scenario:
        return _by_id(self.scenarios, scenario_id, "scenario")


def _by_id(items, item_id: str, kind: str):
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(f'no {kind} with id "{item_id}"')


def _install_lever_union(kinds: Sequence[lever_kinds.LeverKind]) -> None:
    """Make ``Lever`` the union of the registered kinds' schemas, told apart by ``kind``,
    and rebuild the models that hold levers (pydantic then names the kinds in its errors
    and the JSON Schema)."""
    members = tuple(kind.schema for kind in kinds)
    if not members:
        return
    # One kind needs no discriminator (pydantic allows one only on a union).
    lever: Any = (Annotated[Union[members], Field(discriminator="kind")]  # noqa: UP007 - a runtime tuple
                  if len(members) > 1 else members[0])
    globals()["Lever"] = lever
    # pydantic keeps a field's resolved type once it is complete: give it the new union.
    Scenario.model_fields["levers"].annotation = list[lever]
    for holder in (Scenario, CutsimFile):
        holder.model_rebuild(force=True)


lever_kinds.on_change(_install_lever_union)
