"""Hypothesis strategies for valid place models, scenarios and whole ``.cutsim`` files.

Every object drawn passes :func:`cutsim.model.validation.validate_file`. Others may reuse
them: ``files()`` for a whole file, ``models()`` for a model alone.
"""

from __future__ import annotations

from hypothesis import strategies as st

from cutsim.levers.kinds import CutLever, FixedShares, InvestLever, PoolLever, ProcureLever, Reinvest
from cutsim.model.schema import (
    AGENCY_KINDS,
    AUTHORITY_CLASSES,
    FUNDING_KINDS,
    LEVER_STATUSES,
    Agency,
    CouncilTax,
    CutsimFile,
    Demand,
    EarmarkedReserve,
    Effect,
    FundingLine,
    Model,
    NamedPressure,
    Outcome,
    Place,
    Pressures,
    Provenance,
    RedLine,
    Scenario,
    Service,
    Target,
)

slugs = st.from_regex(r"[a-z][a-z0-9_-]{0,11}", fullmatch=True)
# Printable text, including non-ASCII (names of places are not all ASCII).
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")),
                min_size=1, max_size=24).filter(lambda s: s.strip())


def finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _ids(n: int) -> st.SearchStrategy[list[str]]:
    return st.lists(slugs, min_size=n, max_size=n, unique=True)


@st.composite
def places(draw) -> Place:
    horizon = draw(st.integers(1, 30))
    return Place(
        name=draw(names), base_year=draw(st.integers(1990, 2100)), horizon_years=horizon,
        steps_per_year=draw(st.sampled_from([1, 4, 12, 52])),
        discount_rate=draw(finite(0, 0.2)),
        price_year=draw(st.none() | st.integers(1990, 2100)),
        population=draw(st.none() | st.integers(1, 10_000_000)),
        local_multiplier=draw(st.none() | finite(0, 3)),
        notes=draw(st.none() | names),
    )


@st.composite
def _range(draw) -> tuple[float, float, float]:
    low, mid, high = sorted(draw(st.lists(finite(-100, 100), min_size=3, max_size=3)))
    return low, mid, high


@st.composite
def models(draw) -> Model:
    place = draw(places())
    agency_ids = draw(_ids(draw(st.integers(1, 4))).filter(lambda ids: "place" not in ids))
    agencies = [Agency(id=i, name=draw(names), kind=draw(st.sampled_from(AGENCY_KINDS)),
                       savings_target=draw(st.none() | finite(0, 1e8)))
                for i in agency_ids]
    services = []
    for sid in draw(_ids(draw(st.integers(1, 6)))):
        services.append(Service(
            id=sid, agency=draw(st.sampled_from(agency_ids)), name=draw(names),
            baseline_spend=draw(finite(1, 1e9)), unit_cost=draw(finite(0.5, 1e6)),
            activity_unit=draw(names), mode=draw(st.sampled_from(["discretionary", "demand_led"])),
            statutory_floor=draw(finite(0, 1)), max_efficiency_percent=draw(finite(0, 100)),
            external_share=draw(st.none() | finite(0, 1)),
            groups=draw(st.lists(st.sampled_from(["older", "children", "disabled"]), unique=True, max_size=2)),
            confidential=draw(st.booleans()), illustrative=draw(st.booleans()),
            source=draw(st.none() | names),
        ))
    outcomes = [Outcome(id=oid, name=draw(names), unit=draw(names), baseline=draw(finite(-1e6, 1e6)),
                        higher_is_better=draw(st.booleans()),
                        value_per_unit=draw(st.none() | finite(0, 1e5)))
                for oid in draw(_ids(draw(st.integers(1, 4))))]
    service_ids = [s.id for s in services]
    outcome_ids = [o.id for o in outcomes]
    effects = []
    for eid in draw(_ids(draw(st.integers(0, 4)))):
        low, mid, high = draw(_range())
        effects.append(Effect(id=eid, service=draw(st.sampled_from(service_ids)),
                              outcome=draw(st.sampled_from(outcome_ids)), per_unit=mid, low=low,
                              high=high, delay_years=draw(finite(0, 5)), delay_order=draw(st.integers(1, 4)),
                              confidence=draw(st.integers(1, 5)), source=draw(names),
                              confidential=draw(st.booleans())))
    demand_led = [s.id for s in services if s.mode == "demand_led"]
    demands = []
    if demand_led:
        for did in draw(_ids(draw(st.integers(0, 3)))):
            low, mid, high = draw(_range())
            demands.append(Demand(id=did, outcome=draw(st.sampled_from(outcome_ids)),
                                  service=draw(st.sampled_from(demand_led)), per_unit=mid, low=low,
                                  high=high, confidence=draw(st.integers(1, 5)), source=draw(names)))
    return Model(place=place, agencies=agencies, services=services, outcomes=outcomes,
                 effects=effects, demands=demands)


@st.composite
def levers(draw, model: Model, lever_id: str):
    services = [s.id for s in model.services]
    kind = draw(st.sampled_from(["cut", "invest", "pool", "procure"]))
    # A lever starts before the horizon ends (docs/levers.md: one at the horizon is refused).
    common = {"id": lever_id, "start_year": float(draw(st.integers(0, model.place.horizon_years - 1))),
              "phase_years": draw(finite(0, 3)), "note": draw(st.none() | names)}
    by_agency: dict[str, str] = {}
    for s in model.services:
        by_agency.setdefault(s.agency, s.id)
    if kind == "pool" and len(by_agency) >= 2:
        pooled = list(by_agency.values())[:2]
        share = draw(finite(0, 1))
        agencies = list(by_agency)[:2]
        gain = draw(st.sampled_from(["contribution", "benefit", "fixed"]))
        return PoolLever(kind="pool", services=pooled, efficiency_percent=draw(finite(0, 30)),
                         reinvest=[Reinvest(service=pooled[0], percent_of_saving=draw(finite(0, 50)))],
                         gain_share=FixedShares(fixed={agencies[0]: share, agencies[1]: 1 - share})
                         if gain == "fixed" else gain, **common)
    if kind == "procure":
        return ProcureLever(kind="procure", service=draw(st.sampled_from(services)),
                            local_share_from=draw(finite(0, 1)), local_share_to=draw(finite(0, 1)),
                            premium_percent=draw(finite(0, 10)),
                            outcome=draw(st.none() | st.sampled_from([o.id for o in model.outcomes])), **common)
    cls = InvestLever if kind == "invest" else CutLever
    amount = draw(st.booleans())
    return cls(kind="invest" if kind == "invest" else "cut", service=draw(st.sampled_from(services)),
               percent=None if amount else draw(finite(0, 100)),
               amount=draw(finite(0, 1e6)) if amount else None,
               notice_months=draw(finite(0, 12)), one_off_cost=draw(finite(0, 1e6)), **common)


@st.composite
def scenarios(draw, model: Model, scenario_id: str) -> Scenario:
    horizon = model.place.horizon_years
    outcome_ids = [o.id for o in model.outcomes]
    return Scenario(
        id=scenario_id, name=draw(names), description=draw(st.none() | names),
        author=draw(st.none() | names), organisation=draw(st.none() | names),
        created=draw(st.none() | st.just("2026-04-01T09:00:00+00:00")),
        red_lines=[RedLine(outcome=draw(st.sampled_from(outcome_ids)), max_change=draw(finite(0, 100)),
                           as_=draw(st.sampled_from(["level", "percent"])),
                           by_year=draw(st.none() | finite(0, horizon)))
                   for _ in range(draw(st.integers(0, 2)))],
        targets=[Target(agency=draw(st.sampled_from([a.id for a in model.agencies] + ["place"])),
                        amount=draw(finite(0, 1e7)), from_year=draw(st.integers(0, horizon)))
                 for _ in range(draw(st.integers(0, 2)))],
        levers=[draw(levers(model, lid)) for lid in draw(_ids(draw(st.integers(0, 4))))],
    )


@st.composite
def files(draw, model: Model | None = None) -> CutsimFile:
    """A valid file: a model (drawn unless given) and up to three scenarios on it."""
    model = model if model is not None else draw(models())
    scenario_list = [draw(scenarios(model, sid)) for sid in draw(_ids(draw(st.integers(0, 3))))]
    provenance = draw(st.none() | st.builds(Provenance, author=st.none() | names,
                                            organisation=st.none() | names,
                                            created=st.just("2026-05-01T12:00:00+00:00")))
    return CutsimFile(format="cutsim", format_version=1, model=model, scenarios=scenario_list,
                      provenance=provenance)


# --- the budget a council sets (format version 3, docs/mtfs.md) ----------------------------

def _yearly(lo: float, hi: float, horizon: int) -> st.SearchStrategy[float | list[float]]:
    """One figure, or one per financial year of the horizon."""
    return finite(lo, hi) | st.lists(finite(lo, hi), min_size=horizon, max_size=horizon)


@st.composite
def budgets(draw, agency: Agency, horizon: int) -> Agency:
    """``agency`` with its financial plan drawn: any of the plan fields, funding lines,
    council tax, pressures by kind and earmarked reserves (each may be left out)."""
    funding = draw(st.none() | _yearly(0, 1e9, horizon))
    minimum = draw(st.sampled_from(["none", "pounds", "percent"]))
    lines = None
    if draw(st.booleans()):
        lines = [FundingLine(id=lid, name=draw(names), kind=draw(st.sampled_from(FUNDING_KINDS)),
                             amount=draw(_yearly(0, 1e9, horizon)),
                             grant=draw(st.none() | slugs.filter(lambda g: g != "general_fund")),
                             source=draw(st.none() | names))
                 for lid in draw(_ids(draw(st.integers(1, 3))))]
        lines = [line.model_copy(update={"growth_percent": draw(st.none() | finite(-10, 10))})
                 if not isinstance(line.amount, list) else line for line in lines]
    tax = draw(st.none() | st.builds(
        CouncilTax, tax_base=finite(1, 1e6), band_d=finite(1, 5000),
        tax_base_growth_percent=finite(-5, 5), increase_percent=_yearly(-5, 10, horizon),
        asc_precept_percent=_yearly(0, 5, horizon),
        authority_class=st.sampled_from(AUTHORITY_CLASSES),
        limit_percent=st.none() | finite(0, 10), total_limit_percent=st.none() | finite(0, 10),
        limit_pounds=st.none() | finite(0, 500),
        collection_fund=st.none() | _yearly(-1e6, 1e6, horizon), source=st.none() | names))
    pressures = draw(st.none() | st.builds(
        Pressures, pay_share=finite(0, 1), pay_award_percent=_yearly(-5, 10, horizon),
        contract_inflation_percent=_yearly(-5, 10, horizon), levies=_yearly(0, 1e7, horizon),
        named=st.lists(st.builds(NamedPressure, name=names, amount=_yearly(-1e7, 1e7, horizon)),
                       max_size=2)))
    earmarked = draw(st.none() | st.lists(st.builds(EarmarkedReserve, name=names,
                                                    amount=finite(0, 1e8), purpose=names),
                                          min_size=1, max_size=3))
    return agency.model_copy(update={
        "inflation_percent": draw(st.none() | finite(-10, 10)), "funding": funding,
        "funding_growth_percent": None if isinstance(funding, list)
        else draw(st.none() | finite(-10, 10)),
        "reserves": draw(st.none() | finite(0, 1e9)),
        "minimum_balance": draw(finite(0, 1e8)) if minimum == "pounds" else None,
        "minimum_balance_percent": draw(finite(0, 100)) if minimum == "percent" else None,
        "funding_lines": lines, "council_tax": tax, "pressures": pressures,
        "earmarked_reserves": earmarked})


@st.composite
def budget_files(draw) -> CutsimFile:
    """A valid format-version-3 file whose agencies carry drawn budgets and whose levers
    carry a savings programme's fields (delivery confidence, directorate, owner, status)."""
    cutsim_file = draw(files())
    model = cutsim_file.model
    horizon = model.place.horizon_years
    agencies = [draw(budgets(a, horizon)) for a in model.agencies]
    scenario_list = []
    for scenario in cutsim_file.scenarios:
        levers = [lever.model_copy(update={
            "delivery_confidence_percent": draw(st.none() | finite(0, 100)),
            "directorate": draw(st.none() | names), "owner": draw(st.none() | names),
            "status": draw(st.none() | st.sampled_from(LEVER_STATUSES))})
            for lever in scenario.levers]
        scenario_list.append(scenario.model_copy(update={"levers": levers}))
    return cutsim_file.model_copy(update={
        "format_version": 3, "scenarios": scenario_list,
        "model": model.model_copy(update={"agencies": agencies})})


# --- every optional block at once (areas, ranges, consultation, …) ------------------------

def _fractions(n: int) -> st.SearchStrategy[list[float]]:
    """``n`` shares, each at least 0.01, adding up to 1 (to round-off)."""
    return st.lists(finite(0.01, 1), min_size=n, max_size=n).map(
        lambda xs: [x / sum(xs) for x in xs])


_SQUARE = {"type": "Polygon",
           "coordinates": [[[-1.5, 53.0], [-1.4, 53.0], [-1.4, 53.1], [-1.5, 53.1], [-1.5, 53.0]]]}


@st.composite
def complete_files(draw) -> CutsimFile:
    """A valid file of the current format with every optional block drawn, each present
    or left out: the budget blocks of :func:`budget_files`, and the place's optimism bias,
    uncertainty settings, discount schedule and terminal years; services' plan fields and
    ranges; outcomes' indicators; effects' delay ranges; areas with shapes, shares and
    multipliers, and cut and invest levers aimed at some of them; scenarios' parents,
    headline years and consultation blocks."""
    from cutsim.files.exchange import FORMAT_VERSION
    from cutsim.model.schema import (
        Area,
        Consultation,
        EqualityQuestion,
        Geometry,
        OfferedLever,
    )

    base = draw(budget_files())
    model = base.model
    place = model.place.model_copy(update={
        "optimism_bias": draw(st.none() | st.dictionaries(
            st.sampled_from(["1", "2", "3", "4", "5"]), finite(0, 1), min_size=1)),
        "wide_uncertainty": draw(st.none() | st.booleans()),
        "source_correlation": draw(st.none() | finite(0, 0.99)),
        "discount_schedule": draw(st.none() | st.sampled_from(["green_book", "flat"])),
        "terminal_years": draw(st.none() | st.integers(1, 100))})
    services = []
    for s in model.services:
        ranged = draw(st.booleans())
        services.append(s.model_copy(update={
            "demand_growth_percent": draw(st.none() | finite(-10, 10)),
            "funding_source": draw(st.none() | st.just("general_fund")),
            "fte": draw(st.none() | finite(0, 1e4)),
            "cashable_share": draw(st.none() | finite(0, 1)),
            "notes": draw(st.none() | names),
            "baseline_spend_low": s.baseline_spend * draw(finite(0.5, 1)) if ranged else None,
            "baseline_spend_high": s.baseline_spend * draw(finite(1, 2)) if ranged else None,
            "unit_cost_low": s.unit_cost * draw(finite(0.5, 1)) if ranged else None,
            "unit_cost_high": s.unit_cost * draw(finite(1, 2)) if ranged else None,
            "confidence": draw(st.none() | st.integers(1, 5))}))
    outcomes = [o.model_copy(update={"indicator": draw(st.none() | names),
                                     "illustrative": draw(st.booleans()),
                                     "source": draw(st.none() | names),
                                     "notes": draw(st.none() | names)})
                for o in model.outcomes]
    effects = []
    for e in model.effects:
        ranged = draw(st.booleans())
        effects.append(e.model_copy(update={
            "delay_years_low": e.delay_years * draw(finite(0, 1)) if ranged else None,
            "delay_years_high": e.delay_years + draw(finite(0, 2)) if ranged else None,
            "illustrative": draw(st.booleans()), "notes": draw(st.none() | names)}))
    demands = [d.model_copy(update={"confidential": draw(st.booleans()),
                                    "illustrative": draw(st.booleans()),
                                    "notes": draw(st.none() | names)})
               for d in model.demands]
    area_ids = draw(_ids(draw(st.integers(0, 4))))
    shared_services = draw(st.lists(st.sampled_from([s.id for s in services]), unique=True))
    shared_outcomes = draw(st.lists(st.sampled_from([o.id for o in outcomes]), unique=True))
    service_split = {sid: draw(_fractions(len(area_ids))) for sid in shared_services}
    outcome_split = {oid: draw(_fractions(len(area_ids))) for oid in shared_outcomes}
    areas = []
    for r, aid in enumerate(area_ids):
        multipliers = draw(st.none() | st.dictionaries(
            st.sampled_from([e.id for e in effects]), finite(0, 3), min_size=1)) if effects else None
        areas.append(Area(
            id=aid, name=draw(names), population=draw(st.integers(1, 50_000)),
            deprivation_decile=draw(st.none() | st.integers(1, 10)),
            geometry=draw(st.none() | st.just(Geometry(**_SQUARE))),
            service_shares={sid: split[r] for sid, split in service_split.items()} or None,
            outcome_shares={oid: split[r] for oid, split in outcome_split.items()} or None,
            effect_multipliers=multipliers, illustrative=draw(st.booleans()),
            source=draw(st.none() | names), notes=draw(st.none() | names)))
    if areas and place.population is not None:  # the areas add up to the place
        place = place.model_copy(update={"population": sum(a.population for a in areas)})
    discretionary = {s.id for s in services if s.mode == "discretionary"}
    scenario_list = []
    for i, scenario in enumerate(base.scenarios):
        levers = []
        targeted = False
        for lever in scenario.levers:
            # the first lever that can be aimed at areas is; the others as drawn
            if area_ids and lever.kind in ("cut", "invest") and lever.service in discretionary \
                    and (not targeted or draw(st.booleans())):
                targeted = True
                lever = lever.model_copy(update={"areas": draw(st.lists(
                    st.sampled_from(area_ids), min_size=1, unique=True))})
            levers.append(lever)
        sized = [lv for lv in levers if lv.kind == "invest"]
        consultation = None
        if sized and draw(st.booleans()):
            lever = sized[0]
            size = lever.percent if lever.percent is not None else lever.amount
            consultation = Consultation(
                title=draw(st.none() | names), intro=draw(st.none() | names),
                levers=[OfferedLever(lever=lever.id, min=0.0, max=max(size, 1.0) * 2,
                                     step=size if size > 0 else 1.0, explanation=draw(names))],
                equality_questions=draw(st.lists(st.builds(
                    EqualityQuestion, id=slugs, question=names,
                    options=st.lists(names, min_size=1, max_size=3)), max_size=1)),
                post_url=draw(st.none() | st.just("https://example.org/responses")))
        scenario_list.append(scenario.model_copy(update={
            "levers": levers, "consultation": consultation,
            "parent": base.scenarios[0].id if i and draw(st.booleans()) else None,
            "headline_year": draw(st.none() | st.integers(0, place.horizon_years - 1))}))
    return base.model_copy(update={
        "format_version": FORMAT_VERSION, "scenarios": scenario_list,
        "model": model.model_copy(update={
            "place": place, "services": services, "outcomes": outcomes, "effects": effects,
            "demands": demands, "areas": areas or None})})
