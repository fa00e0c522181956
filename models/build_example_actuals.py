"""Give the example place two years of illustrative actuals, from a documented "true" model.

Seaport is imaginary, so its actuals are made up, reproducibly, as follows (models/README.md,
"Actuals"):

- **The decision.** The council's cabinet adopted the ``youth-cut`` scenario (20 % cuts to
  youth work and to early help from April 2026) on 4 March 2026.
- **The truth.** Youth work and early help matter more than the central estimates say:
  every effect from the services the scenario cuts (``youth``, ``early_help``) has its true
  ``per_unit`` at ``TRUTH_SHARE`` (45 %) of the way from its central value to the end of its
  range that is further from zero (more harm per unit cut), so inside the prior. Every other
  input is at its central value.
- **Outcomes.** For each outcome the scenario moves, the observed value of 2026-27 and
  2027-28 is the true model's mean level that year plus normal noise of the outcome's
  ``observation_sd``, drawn from a generator seeded with ``SEED``. The ``observation_sd``
  values (``OBSERVATION_SD``) are illustrative and smaller than the year-to-year variation of
  such counts would really be: with noise the size of Poisson noise two years would teach
  little (the review would say so through a posterior close to the prior).
- **Spend.** The outturn of each service the scenario cuts is its baseline with pressures
  less a share of the planned saving: ``DELIVERED`` (75 % in 2026-27, as notice periods and
  consultation hold savings back; 100 % in 2027-28).

Every figure is labelled illustrative (``actuals.illustrative`` and each source). The same
observations are written as ``example-place-actuals.csv`` for ``cutsim actuals import``.

Run from the repository root after the example model changes:
    python models/build_example_actuals.py
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from cutsim.appraise.mtfs import growth_factors
from cutsim.appraise.review import yearly_means
from cutsim.appraise.run import run_scenario
from cutsim.appraise.uncertain import uncertainty_space
from cutsim.engine.compiled import compile_model
from cutsim.files.exchange import atomic_write_bytes, read_file, write_file
from cutsim.model.fmt import year_label
from cutsim.model.schema import Actuals, CutsimFile, Decision, Observation

HERE = Path(__file__).resolve().parent
SCENARIO = "youth-cut"
TRUTH_SHARE = 0.45
SEED = 2026
YEARS = (0, 1)  # 2026-27 and 2027-28
DELIVERED = (0.75, 1.0)  # share of the planned saving delivered, by year
OBSERVATION_SD = {  # outcome units; illustrative (see above)
    "youth_offending": 3.0, "asb_incidents": 50.0, "care_entries_16_17": 0.4,
    "care_entries_under_16": 1.0, "school_exclusions": 0.6, "neet_16_17": 1.2,
}
SOURCE = "Illustrative: made up from a documented true model (models/build_example_actuals.py)"


def truth_values(cutsim_file: CutsimFile) -> np.ndarray:
    """The true value of every uncertain input of the scenario (columns of its space)."""
    scenario = cutsim_file.scenario(SCENARIO)
    space = uncertainty_space(cutsim_file.model, [scenario])
    cut = {lever.service for lever in scenario.levers if lever.kind == "cut"}
    effects = {e.id: e for e in cutsim_file.model.effects}
    values = space.central.copy()
    for j, inp in enumerate(space.inputs):
        if inp.kind == "effect" and inp.field == "per_unit" and effects[inp.item].service in cut:
            far = inp.low if abs(inp.low) > abs(inp.high) else inp.high
            values[j] = inp.central + TRUTH_SHARE * (far - inp.central)
    return values


def build() -> CutsimFile:
    example = read_file(HERE / "example-place.cutsim")
    model = example.model.model_copy(update={"outcomes": [
        o.model_copy(update={"observation_sd": OBSERVATION_SD.get(o.id)})
        for o in example.model.outcomes]})
    example = example.model_copy(update={"model": model, "actuals": None})
    scenario = example.scenario(SCENARIO)
    cm = compile_model(model)
    space = uncertainty_space(model, [scenario])
    true_means = yearly_means(cm, scenario, space, truth_values(example)[None, :])[0]
    rng = np.random.default_rng(SEED)
    base_year = model.place.base_year
    observations = []
    for i, outcome_id in enumerate(cm.outcome_ids):
        if outcome_id not in OBSERVATION_SD:
            continue
        for y in YEARS:
            noisy = true_means[i, y] + rng.normal(0.0, OBSERVATION_SD[outcome_id])
            observations.append(Observation(kind="outcome", id=outcome_id,
                                            year=year_label(base_year, y),
                                            value=round(float(noisy), 2), source=SOURCE))
    central = run_scenario(cm, scenario)
    planned = central.service_annual["planned_saving"]
    growth = growth_factors(model)
    for lever in scenario.levers:
        if lever.kind != "cut":
            continue
        s = cm.service_ids.index(lever.service)
        service = model.service(lever.service)
        for y, share in zip(YEARS, DELIVERED):
            outturn = service.baseline_spend * growth[s, y] - share * planned[s, y]
            observations.append(Observation(kind="spend", id=service.id,
                                            year=year_label(base_year, y),
                                            value=round(float(outturn), 0), source=SOURCE))
    actuals = Actuals(
        decision=Decision(scenario=SCENARIO, date="2026-03-04",
                          by="Seaport Council cabinet (illustrative)"),
        observations=observations, illustrative=True,
        notes="Illustrative actuals for the imaginary town of Seaport, made up from a "
              "documented true model (models/README.md, 'Actuals'); not real figures.")
    return example.model_copy(update={"actuals": actuals})


def csv_text(actuals: Actuals) -> str:
    """The observations as an actuals CSV (the columns of cutsim actuals import)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "id", "year", "value", "source"])
    for o in actuals.observations:
        writer.writerow([o.kind, o.id, o.year, repr(o.value), o.source])
    return out.getvalue()


def main() -> None:
    built = build()
    write_file(HERE / "example-place.cutsim", built)
    atomic_write_bytes(HERE / "example-place-actuals.csv", csv_text(built.actuals).encode("utf-8"))


if __name__ == "__main__":
    main()
