"""The result of running one scenario: arrays, pandas views and its JSON (docs/result-format.md).

Units and signs (see docs/result-format.md): time in years from 1 April of base_year;
outcome levels in each outcome's unit; activity in units/yr; spend and money rates in
£/yr; annual figures and cost shifts in £. For ``planned_saving`` and ``net_saving``
positive is good for the budget; for ``knock_on_cost`` and ``one_off_cost`` positive is a
cost.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from cutsim.appraise.blocks import Appraisal, Uncertainty
from cutsim.appraise.redlines import TOLERANCE, adverse_excess
from cutsim.engine.money import SERIES
from cutsim.model.safecsv import SafeCsvWriter
from cutsim.model.schema import PLACE_ID, Scenario

if TYPE_CHECKING:  # pandas is imported lazily: keep `import cutsim` light
    import pandas as pd

    from cutsim.appraise.areas import AreaResult
    from cutsim.engine.compiled import CompiledModel


def year_labels(base_year: int, horizon: int) -> list[str]:
    """Financial-year labels ``"2026-27"`` for y = 0..horizon−1."""
    return [f"{base_year + y}-{(base_year + y + 1) % 100:02d}" for y in range(horizon)]


@dataclass(eq=False)
class Result:
    """One scenario run. Arrays are over the grid ``t`` (N+1 points) unless noted.

    - ``outcome_delta[O, N+1]``: ΔY (outcome units); levels are baseline + ΔY.
    - ``activity_delta[S, N+1]``: ΔA (units/yr); ``spend[S, N+1]`` (£/yr).
    - ``agency_rates[series][A, N+1]`` (£/yr); ``agency_annual[series][A, H]`` (£).
    - ``cost_shift[A, A]`` (£, from agency i to agency j).
    - ``appraisal`` and ``uncertainty`` (with draws): typed blocks
      (:mod:`cutsim.appraise.blocks`) holding every NPV, present value, waterfall step
      and band people see; readers take them from here and compute no money.
    """

    compiled: CompiledModel
    scenario: Scenario
    outcome_delta: np.ndarray
    activity_delta: np.ndarray
    spend: np.ndarray
    agency_rates: dict[str, np.ndarray]
    agency_annual: dict[str, np.ndarray]
    cost_shift_matrix: np.ndarray
    appraisal: Appraisal  # NPVs, present values, waterfall (cutsim.appraise.blocks)
    outcome_annual: np.ndarray | None = None  # (O, H) exact ∫ΔY over each year
    uncertainty: Uncertainty | None = None  # bands, with draws
    settlement: dict[str, Any] = field(default_factory=dict)
    procurement: dict[str, Any] = field(default_factory=dict)
    # Per service: annual money (S, H) £ per year for each series, and knock-on rates
    # (S, N+1) £/yr; the medium-term plan and the cashable split are built from them.
    service_annual: dict[str, np.ndarray] | None = None
    service_knock_on_rates: np.ndarray | None = None
    areas: AreaResult | None = None  # per-area figures when the model has areas

    # -------------------------------------------------------------- plain arrays
    @property
    def t(self) -> np.ndarray:
        return self.compiled.t

    @property
    def years(self) -> list[str]:
        m = self.compiled.model.place
        return year_labels(m.base_year, self.compiled.horizon_years)

    @property
    def place_rates(self) -> dict[str, np.ndarray]:
        """Place money rates (£/yr over t): the sum over agencies for every series."""
        return {k: v.sum(axis=0) for k, v in self.agency_rates.items()}

    @property
    def place_annual(self) -> dict[str, np.ndarray]:
        return {k: v.sum(axis=0) for k, v in self.agency_annual.items()}

    # -------------------------------------------------------------- cashable split
    @property
    def cashable_shares(self) -> np.ndarray:
        """Each service's cashable share of a knock-on cost (S,), 1 where not given (read
        once per compiled model; read-only)."""
        return self.compiled.once("cashable_shares", lambda: np.array(
            [1.0 if s.cashable_share is None else s.cashable_share
             for s in self.compiled.model.services]))

    @property
    def uses_cashable_shares(self) -> bool:
        return any(s.cashable_share is not None for s in self.compiled.model.services)

    def knock_on_split(self) -> dict[str, np.ndarray]:
        """Knock-on cost split into cashable (budgets really move) and non-cashable
        (capacity used or freed, no budget line moves), per agency: ``*_annual`` (A, H)
        £ per year and ``*_rates`` (A, N+1) £/yr. The two add up to ``knock_on_cost``."""
        from cutsim.engine.money import by_agency

        cm, share = self.compiled, self.cashable_shares
        if self.service_annual is None or self.service_knock_on_rates is None:
            raise ValueError("this result was made without per-service money")
        annual = self.service_annual["knock_on_cost"]
        rates = self.service_knock_on_rates
        cash_annual = by_agency(cm, annual * share[:, None])
        cash_rates = by_agency(cm, rates * share[:, None])
        return {"cashable_annual": cash_annual,
                "non_cashable_annual": self.agency_annual["knock_on_cost"] - cash_annual,
                "cashable_rates": cash_rates,
                "non_cashable_rates": self.agency_rates["knock_on_cost"] - cash_rates}

    # -------------------------------------------------------------- pandas views
    @property
    def outcomes(self) -> pd.DataFrame:
        """Outcome levels over t: columns (outcome id, "baseline"|"scenario")."""
        import pandas as pd

        cm = self.compiled
        data = {}
        for i, oid in enumerate(cm.outcome_ids):
            data[(oid, "baseline")] = np.full(len(self.t), cm.outcome_baseline[i])
            data[(oid, "scenario")] = cm.outcome_baseline[i] + self.outcome_delta[i]
        return pd.DataFrame(data, index=pd.Index(self.t, name="t"))

    @property
    def agencies(self) -> pd.DataFrame:
        """Agency money rates (£/yr) over t: columns (agency id, series)."""
        import pandas as pd

        data = {(a, s): self.agency_rates[s][i] for i, a in enumerate(self.compiled.agency_ids)
                for s in SERIES}
        return pd.DataFrame(data, index=pd.Index(self.t, name="t"))

    @property
    def place(self) -> pd.DataFrame:
        """Place money rates (£/yr) over t, one column per series."""
        import pandas as pd

        return pd.DataFrame(self.place_rates, index=pd.Index(self.t, name="t"))[list(SERIES)]

    @property
    def annual(self) -> pd.DataFrame:
        """Annual money (£ per financial year): rows years, columns (agency id|place, series)."""
        import pandas as pd

        data = {(a, s): self.agency_annual[s][i] for i, a in enumerate(self.compiled.agency_ids)
                for s in SERIES}
        data.update({(PLACE_ID, s): v for s, v in self.place_annual.items()})
        return pd.DataFrame(data, index=pd.Index(self.years, name="year"))

    @property
    def cost_shift(self) -> pd.DataFrame:
        """£ of knock-on cost borne by the column agency caused by the row agency's levers."""
        import pandas as pd

        ids = self.compiled.agency_ids
        return pd.DataFrame(self.cost_shift_matrix, index=pd.Index(ids, name="from"),
                            columns=pd.Index(ids, name="to"))

    # -------------------------------------------------------------- exports
    def _series(self) -> Iterator[tuple[str, str, str, np.ndarray]]:
        """(entity, id, series, array over t) for every reported series."""
        cm = self.compiled
        for i, oid in enumerate(cm.outcome_ids):
            yield "outcome", oid, "baseline", np.full(len(self.t), cm.outcome_baseline[i])
            yield "outcome", oid, "scenario", cm.outcome_baseline[i] + self.outcome_delta[i]
        for i, sid in enumerate(cm.service_ids):
            a0, b0 = cm.baseline_activity[i], cm.baseline_spend[i]
            yield "service", sid, "baseline_activity", np.full(len(self.t), a0)
            yield "service", sid, "activity", a0 + self.activity_delta[i]
            yield "service", sid, "baseline_spend", np.full(len(self.t), b0)
            yield "service", sid, "spend", self.spend[i]
        for i, aid in enumerate(cm.agency_ids):
            for s in SERIES:
                yield "agency", aid, s, self.agency_rates[s][i]
        for s in SERIES:
            yield "place", PLACE_ID, s, self.place_rates[s]

    def _long_rows(self) -> Iterator[tuple[float, str, str, str, float]]:
        """Rows (t in years, entity, id, series, value) of the long-form CSV."""
        t = self.t
        series_rows = self._series()
        if self.areas is not None:  # rows of entity "area" after the place's (docs/areas.md)
            from itertools import chain

            from cutsim.appraise.areas import area_series

            series_rows = chain(series_rows, area_series(self.compiled, self.areas))
        for entity, ident, series, values in series_rows:
            for tk, v in zip(t, values):
                yield float(tk), entity, ident, series, float(v)

    def to_csv(self, stream: io.TextIOBase | None = None) -> str | None:
        """Write the long-form CSV (``t,entity,id,series,value``); return it if no stream."""
        own = stream is None
        out: Any = io.StringIO() if own else stream
        writer = SafeCsvWriter(out)
        writer.writerow(["t", "entity", "id", "series", "value"])
        writer.writerows(self._long_rows())
        return out.getvalue() if own else None

    def to_annual_csv(self) -> str:
        """The financial-year figures in long form: ``year,entity,id,series,value``, where
        ``year`` is the label (``2026-27``), ``entity`` is ``agency`` or ``place`` and the
        series are the four money series in £ per year (exact, unrounded)."""
        out = io.StringIO()
        writer = SafeCsvWriter(out)
        writer.writerow(["year", "entity", "id", "series", "value"])
        rows = [("agency", a, s, self.agency_annual[s][i])
                for i, a in enumerate(self.compiled.agency_ids) for s in SERIES]
        rows += [("place", PLACE_ID, s, v) for s, v in self.place_annual.items()]
        for entity, ident, series, values in rows:
            for label, v in zip(self.years, values):
                writer.writerow([label, entity, ident, series, float(v)])
        return out.getvalue()

    def to_json_dict(self) -> dict[str, Any]:
        """Exactly the result object of docs/result-format.md (plain Python numbers and lists)."""
        cm = self.compiled
        outcomes: dict[str, Any] = {}
        services: dict[str, Any] = {}
        agencies: dict[str, Any] = {}
        for entity, ident, series, values in self._series():
            target = {"outcome": outcomes, "service": services, "agency": agencies}.get(entity)
            if target is not None:
                target.setdefault(ident, {})[series] = _floats(values)
        result: dict[str, Any] = {
            "t": _floats(self.t),
            "outcomes": outcomes,
            "services": services,
            "agencies": agencies,
            "place": {s: _floats(v) for s, v in self.place_rates.items()},
            "annual": {
                "years": self.years,
                "agencies": {a: {s: _floats(self.agency_annual[s][i]) for s in SERIES}
                             for i, a in enumerate(cm.agency_ids)},
                "place": {s: _floats(v) for s, v in self.place_annual.items()},
            },
            "cost_shift": {a: {b: float(self.cost_shift_matrix[i, j])
                               for j, b in enumerate(cm.agency_ids)}
                           for i, a in enumerate(cm.agency_ids)},
            "appraisal": self.appraisal.as_dict(),
        }
        if self.uses_cashable_shares and self.service_annual is not None:
            self._add_cashable(result)
        if self.areas is not None:
            from cutsim.appraise.areas import areas_json

            result["areas"], result["annual"]["areas"] = areas_json(cm, self.areas)
        if self.settlement:
            result["settlement"] = self.settlement
            # Each agency's net saving after the pools' settlement, beside net_saving
            # (which keeps its meaning): docs/result-format.md.
            after = self.net_after_settlement()
            for a, values in after.items():
                result["annual"]["agencies"][a]["net_saving_after_settlement"] = _floats(values)
            result["annual"]["place"]["net_saving_after_settlement"] = _floats(
                sum(after.values()))
        if self.procurement:
            result["procurement"] = self.procurement
        red_lines = self.red_lines()
        if red_lines:
            result["red_lines"] = red_lines
        if self.uncertainty is not None:
            result["uncertainty"] = self.uncertainty.as_dict()
        return result

    def settlement_transfers(self) -> dict[str, np.ndarray]:
        """Per agency, the pools' settlement transfers by financial year (£, (H,), positive
        = receives), summed over pools; zeros for an agency in no pool. Empty without a pool."""
        if not self.settlement:
            return {}
        cm = self.compiled
        out = {a: np.zeros(cm.horizon_years) for a in cm.agency_ids}
        for pool in self.settlement.values():
            for a, row in pool.items():
                out[a] = out[a] + np.asarray(row.get("transfer_by_year", [0.0] * cm.horizon_years))
        return out

    def net_after_settlement(self) -> dict[str, np.ndarray]:
        """Per agency, net saving by financial year after the pools' settlement (£, (H,)):
        ``net_saving`` plus what the agency receives (or minus what it pays) under the
        gain-share rule; Σ over agencies equals the place's net saving. Empty without a pool."""
        transfers = self.settlement_transfers()
        net = self.agency_annual["net_saving"]
        return {a: net[i] + transfers[a] for i, a in enumerate(self.compiled.agency_ids)
                if a in transfers}

    def _add_cashable(self, result: dict[str, Any]) -> None:
        """``knock_on_cashable`` and ``knock_on_non_cashable`` beside ``knock_on_cost``
        (over t, and under ``annual``) for every agency and the place."""
        split = self.knock_on_split()
        for kind in ("cashable", "non_cashable"):
            key = f"knock_on_{kind}"
            rates, annual = split[f"{kind}_rates"], split[f"{kind}_annual"]
            for i, a in enumerate(self.compiled.agency_ids):
                result["agencies"][a][key] = _floats(rates[i])
                result["annual"]["agencies"][a][key] = _floats(annual[i])
            result["place"][key] = _floats(rates.sum(axis=0))
            result["annual"]["place"][key] = _floats(annual.sum(axis=0))

    def red_lines(self) -> list[dict[str, Any]]:
        """Each red line: breached or not and the first financial year of breach.

        A red line caps the *adverse* change of an outcome (an increase when lower is
        better) at ``max_change`` in level units or percent of baseline, up to ``by_year``
        (the whole horizon when absent).
        """
        cm = self.compiled
        out = []
        for line in self.scenario.red_lines:
            if line.outcome not in cm.outcome_index:
                continue
            excess = adverse_excess(cm, line, self.outcome_delta[cm.outcome_index[line.outcome]])
            hits = np.flatnonzero(excess > TOLERANCE)
            first = None if len(hits) == 0 else int(min(np.floor(self.t[hits[0]] + 1e-9),
                                                        cm.horizon_years - 1))
            out.append({"outcome": line.outcome, "breached": first is not None,
                        "first_breach_year": first})
        return out


def _floats(values) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=float)]
