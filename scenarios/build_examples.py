"""Rebuild the example scenario files from the example place model.

Each file carries the Seaport model (models/example-place.cutsim) and its scenarios, so a
partner can open, run and compare it on its own. Run from the repository root after the
model changes:  python scenarios/build_examples.py [FILE NAME ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from cutsim.files.exchange import read_file, write_file
from cutsim.model.schema import CutsimFile, Provenance, Scenario

HERE = Path(__file__).resolve().parent
MODEL = HERE.parent / "models" / "example-place.cutsim"

YOUTH_CUT = {
    "id": "youth-cut-20", "name": "20 % cut to youth work and early help",
    "organisation": "Seaport Council", "author": "Director of Finance",
    "description": "The council's draft budget option: youth work and early help cut by 20 % "
                   "from April 2026 after three months' notice, with redundancy costs.",
    "targets": [{"agency": "council", "amount": 2_400_000, "from_year": 1}],
    "levers": [
        {"id": "youth-20", "kind": "cut", "service": "youth", "percent": 20,
         "notice_months": 3, "one_off_cost": 120_000,
         "note": "about 4 youth worker posts; redundancy illustrative"},
        {"id": "early-help-20", "kind": "cut", "service": "early_help", "percent": 20,
         "notice_months": 3, "one_off_cost": 250_000,
         "note": "about 8 family support posts; redundancy illustrative"}]}

COUNTER = {
    "id": "partners-counter", "name": "Partners' counter-proposal: same saving, less shifted",
    "organisation": "Seaport Community Safety Partnership (police, NHS, schools)",
    "author": "Partnership finance group", "parent": "youth-cut-20",
    "description": "Keep early help whole and most youth work; find the council's £2.4m/yr "
                   "from commissioning efficiencies on placements and a smaller, phased "
                   "youth and family hubs cut.",
    "targets": [{"agency": "council", "amount": 2_400_000, "from_year": 1}],
    "red_lines": [{"outcome": "youth_offending", "max_change": 2, "as": "level"}],
    "levers": [
        {"id": "youth-5", "kind": "cut", "service": "youth", "percent": 5,
         "notice_months": 6, "one_off_cost": 30_000},
        {"id": "hubs-10", "kind": "cut", "service": "family_hubs", "percent": 10,
         "phase_years": 1, "one_off_cost": 60_000},
        {"id": "lac-commissioning", "kind": "cut", "service": "lac", "percent": 2,
         "note": "placement commissioning efficiency (unit cost, not fewer children cared for)"},
        {"id": "cin-process", "kind": "cut", "service": "cin_cp", "percent": 3,
         "note": "case-management efficiency"},
        {"id": "wac-commissioning", "kind": "cut", "service": "working_age_care",
         "percent": 1.5, "note": "commissioning efficiency"}]}

POOL = {
    "kind": "pool", "services": ["home_care", "reablement", "community_nursing",
                                 "delayed_bed_days"],
    "efficiency_percent": 4, "phase_years": 1, "one_off_cost": 250_000,
    "reinvest": [{"service": "asc_prevention", "percent_of_saving": 40},
                 {"service": "reablement", "percent_of_saving": 20}]}

POOLED = [
    {"id": "bcf-benefit", "name": "Pooled health and social care budget (gain share by benefit)",
     "organisation": "Seaport Health and Wellbeing Board",
     "description": "A Better Care Fund-style pool of home care, reablement, community nursing "
                    "and delayed-discharge bed days: 4 % duplication removed over a year, 60 % of "
                    "the saving reinvested in prevention and reablement. Gains shared in "
                    "proportion to the benefit each partner receives.",
     "levers": [{"id": "bcf", "gain_share": "benefit", **POOL}]},
    {"id": "bcf-contribution", "name": "The same pool, gain share by contribution",
     "organisation": "Seaport Health and Wellbeing Board", "parent": "bcf-benefit",
     "levers": [{"id": "bcf", "gain_share": "contribution", **POOL}]}]

PROCURE = {
    "id": "social-value", "name": "Social-value procurement of adult care",
    "organisation": "Seaport Council",
    "description": "Re-let home care and care home contracts so that local providers and "
                   "social enterprises supply 50 % instead of 30 % of the bought-in care, at a "
                   "3 % price premium, phased over two years from 2027.",
    "levers": [
        {"id": "sv-home-care", "kind": "procure", "service": "home_care", "local_share_from": 0.3,
         "local_share_to": 0.5, "premium_percent": 3, "start_year": 1, "phase_years": 2,
         "outcome": "local_spend"},
        {"id": "sv-care-home", "kind": "procure", "service": "care_home", "local_share_from": 0.3,
         "local_share_to": 0.5, "premium_percent": 3, "start_year": 1, "phase_years": 2,
         "outcome": "local_spend"}]}

CONSULTATION = {
    "id": "budget-consultation", "name": "Have your say on the council's 2026-27 savings",
    "organisation": "Seaport Council", "author": "Director of Finance",
    "description": "The council must save about £2.4m a year. These are the options it is "
                   "consulting on; the figures show what each does to other public services.",
    "targets": [{"agency": "council", "amount": 2_400_000, "from_year": 1}],
    "levers": [
        {"id": "youth", "kind": "cut", "service": "youth", "percent": 10, "notice_months": 3,
         "one_off_cost": 60_000, "note": "redundancy illustrative"},
        {"id": "hubs", "kind": "cut", "service": "family_hubs", "percent": 10, "phase_years": 1,
         "one_off_cost": 60_000},
        {"id": "early-help", "kind": "cut", "service": "early_help", "percent": 5,
         "notice_months": 3, "one_off_cost": 60_000},
        {"id": "placements", "kind": "cut", "service": "lac", "percent": 2,
         "note": "commissioning efficiency: the same children cared for at a lower unit cost"}],
    "consultation": {
        "title": "Seaport Council budget 2026-27: have your say",
        "intro": "Try the options the council is considering. As you move each one, see what "
                 "it saves the council and what it costs other public services and residents "
                 "in later years.",
        "levers": [
            {"lever": "youth", "min": 0, "max": 40, "step": 5,
             "explanation": "Youth clubs and detached youth work for 10 to 17 year olds. Less "
                            "youth work tends to mean more young people drawn into offending."},
            {"lever": "hubs", "min": 0, "max": 30, "step": 5,
             "explanation": "Family hubs and children's centres: early support for families with "
                            "young children."},
            {"lever": "early-help", "min": 0, "max": 30, "step": 5,
             "explanation": "Family support workers who help families before problems reach "
                            "social care."},
            {"lever": "placements", "min": 0, "max": 4, "step": 0.5,
             "explanation": "Buying care placements for looked-after children more cheaply. The "
                            "same children are cared for; the saving is on price."}],
        "equality_questions": [
            {"id": "age", "question": "How old are you?",
             "options": ["Under 18", "18 to 34", "35 to 64", "65 or over"]},
            {"id": "disability", "question": "Do you consider yourself disabled?",
             "options": ["Yes", "No"]}]}}

FILES = {
    "youth-cut.cutsim": [YOUTH_CUT],
    "youth-cut-counter-proposal.cutsim": [YOUTH_CUT, COUNTER],
    "pooled-health-care.cutsim": POOLED,
    "social-value-procurement.cutsim": [PROCURE],
    "budget-consultation.cutsim": [CONSULTATION],
}


def main(names: list[str]) -> None:
    """Rebuild every example file, or only those named."""
    model = read_file(MODEL).model
    for name, scenarios in FILES.items():
        if names and name not in names:
            continue
        organisation = scenarios[-1].get("organisation")
        document = CutsimFile(format="cutsim", format_version=1, model=model,
                              scenarios=[Scenario.model_validate(s) for s in scenarios],
                              provenance=Provenance(organisation=organisation))
        write_file(HERE / name, document)


if __name__ == "__main__":
    main(sys.argv[1:])
