"""What the engine proposes for a zone from what it learnt (pure): the decider and how far
ahead predictive start may begin, so a user need not pick them by hand.

- **Head start.** A zone whose learnt heating (or cooling) rate needs longer than its
  ``max_head_start_s`` for a ``RISE_K`` change (a typical night setback) at the present
  outdoor temperature cannot be on target in the morning: an underfloor screed or a weak heat
  pump needs 4–6 h where a radiator needs one. The proposal is that need (with predictive
  start's margin and slack), rounded up to half an hour, within ``MAX_PROPOSED_S``.
- **Decider.** The lag learner (lag.py) says whether the emitter is slow. On every kind of
  simulated house the hysteresis decider at its defaults had the fewest starts per hour
  (BENCHMARKS.md: TPI with a 15 min or 60 min cycle started 5–20× more often on underfloor
  heating), so it stays the proposal; a slow emitter is reported so, with what it costs.
"""

import math
from typing import Any

from .lag import LagLearner
from .learn import RateLearner
from .model import Zone
from .predict import MARGIN, SLACK_S

RISE_K = 4.0
MAX_PROPOSED_S = 21_600.0  # the zone's max_head_start_s may be at most 6 h (bodies.py)
STEP_S = 1800.0


def propose(zone: Zone, *, temp: float | None, outdoor: float | None, learner: RateLearner,
            lag: LagLearner) -> dict[str, Any]:
    """The proposal for ``zone`` now (see the module's docstring)."""
    function = "cool" if zone.mode == "cool" else "heat"
    out: dict[str, Any] = {"decider": "hysteresis",
                           "max_head_start_s": float(zone.max_head_start_s)}
    why = []
    model = learner.model(function)
    if model is None or temp is None:
        why.append(f"learning the {function}ing rate")
    else:
        target = temp + RISE_K if function == "heat" else temp - RISE_K
        need = model.seconds_to(temp, target, outdoor)
        if need is None:
            out["max_head_start_s"] = MAX_PROPOSED_S
            why.append(f"a {RISE_K:g} K change is out of reach at the learnt rate: the longest"
                       " head start")
        else:
            want = need * MARGIN + SLACK_S
            if want > zone.max_head_start_s:
                proposed = min(MAX_PROPOSED_S, math.ceil(want / STEP_S) * STEP_S)
                out["max_head_start_s"] = proposed
                why.append(f"a {RISE_K:g} K change takes {need / 3600:.1f} h at the learnt rate:"
                           f" a head start of {proposed / 3600:g} h")
            else:
                why.append(f"a {RISE_K:g} K change takes {need / 3600:.1f} h at the learnt rate:"
                           " the head start suffices")
    emitter = lag.proposal(function)
    out["emitter"] = emitter.get("emitter")
    why.append(emitter["why"])
    out["why"] = "; ".join(why)
    return out
