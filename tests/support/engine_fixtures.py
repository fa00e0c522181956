"""Small place models built in code for the engine tests (not a conftest: no fixtures clash)."""

from __future__ import annotations

from cutsim.model.schema import CutsimFile, Model


def service(sid, agency, spend, unit_cost, mode="discretionary", **extra) -> dict:
    return {"id": sid, "agency": agency, "name": sid, "baseline_spend": float(spend),
            "unit_cost": float(unit_cost), "activity_unit": "unit", "mode": mode, **extra}


def effect(eid, service_id, outcome, k, tau=0.0, order=1, low=None, high=None) -> dict:
    return {"id": eid, "service": service_id, "outcome": outcome, "per_unit": float(k),
            "low": float(k if low is None else low), "high": float(k if high is None else high),
            "delay_years": float(tau), "delay_order": order, "confidence": 3,
            "source": "assumption"}


def demand(did, outcome, service_id, d, low=None, high=None) -> dict:
    return {"id": did, "outcome": outcome, "service": service_id, "per_unit": float(d),
            "low": float(d if low is None else low), "high": float(d if high is None else high),
            "confidence": 3, "source": "assumption"}


def outcome(oid, baseline=1000.0, value=None) -> dict:
    out = {"id": oid, "name": oid, "unit": "count", "baseline": float(baseline),
           "higher_is_better": False}
    if value is not None:
        out["value_per_unit"] = float(value)
    return out


def place(horizon=10, steps=12, rate=0.035) -> dict:
    return {"name": "Testshire", "base_year": 2026, "horizon_years": horizon,
            "steps_per_year": steps, "discount_rate": rate}


def model(services, outcomes, effects=(), demands=(), agencies=("council", "nhs"),
          **place_kw) -> Model:
    return Model.model_validate({
        "place": place(**place_kw),
        "agencies": [{"id": a, "name": a, "kind": "other"} for a in agencies],
        "services": list(services), "outcomes": list(outcomes),
        "effects": list(effects), "demands": list(demands)})


def chain_model(k=-0.5, d=0.1, tau=1.0, order=1, spend=1_000_000.0, u=1000.0, v=100.0,
                **place_kw) -> Model:
    """youth (council, discretionary) -e1-> offending -d1-> ae (nhs, demand-led)."""
    return model(
        [service("youth", "council", spend, u), service("ae", "nhs", 5_000_000, v, "demand_led")],
        [outcome("offending", 2000, value=1795)],
        [effect("e1", "youth", "offending", k, tau, order, low=k * 1.6, high=k * 0.4)],
        [demand("d1", "offending", "ae", d, low=d * 0.5, high=d * 1.5)], **place_kw)


def loop_model(gain_k=0.5, tau1=1.0, tau2=0.5, d=1.0, tau_loop=None) -> Model:
    """A feedback loop: youth -> crime -> custody (demand-led) -> crime (reoffending)."""
    t_loop = tau2 if tau_loop is None else tau_loop
    return model(
        [service("youth", "council", 1_000_000, 1000),
         service("custody", "police", 2_000_000, 500, "demand_led"),
         service("ae", "nhs", 5_000_000, 100, "demand_led")],
        [outcome("crime", 2000), outcome("injuries", 100)],
        [effect("e1", "youth", "crime", -0.5, tau1, 2),
         effect("e2", "custody", "crime", gain_k, t_loop, 1),
         effect("e3", "custody", "injuries", 0.2, 0.3, 3)],
        [demand("d1", "crime", "custody", d), demand("d2", "injuries", "ae", 2.0)],
        agencies=("council", "police", "nhs"))


def cutsim_file(m: Model, scenarios) -> CutsimFile:
    return CutsimFile.model_validate({"format": "cutsim", "format_version": 1,
                                      "model": m.model_dump(mode="json", exclude_none=True),
                                      "scenarios": list(scenarios)})
