"""A simulated visitor answering onboarding proposals: the one simulation of onboarding.

The cold-start protocol's ``picker`` reveal feeds it ``Model.onboarding``; the onboarding
tests and ``bench/bench_similarity.py`` feed it an ``OnboardingPicker`` or a fixed order,
to count the proposals a visitor needs before rating ten films.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

#: Proposes the next movies: (movies rated so far, movies skipped so far, how many) → ids.
Proposer = Callable[[Sequence[int], Sequence[int], int], Sequence[int]]


@dataclass(frozen=True)
class OnboardingRun:
    """What one simulated visitor did during onboarding (``simulate_onboarding``).

    Attributes
    ----------
    rated : list of int
        Movie ids the visitor rated (proposals among their own ratings), in order.
    skipped : list of int
        Movie ids proposed that the visitor had not seen, in order.
    shown : int
        Proposals shown: up to and including the one that reached the target, or all of
        them when it was never reached.
    reached : bool
        Whether ``target`` ratings were reached within the budget.
    """

    rated: list[int]
    skipped: list[int]
    shown: int
    reached: bool


def simulate_onboarding(
    propose: Proposer,
    seen: Collection[int],
    *,
    target: int = 10,
    budget: int = 100,
    page: int = 10,
) -> OnboardingRun:
    """Simulate a visitor answering onboarding proposals a page at a time.

    The visitor rates a proposal exactly when it is in ``seen`` (their own ratings) and
    skips it otherwise, and stops at ``target`` ratings (within a page too). ``propose``
    is called with the answers so far and the page size, ``min(page, budget - shown)``;
    a movie proposed before is ignored, and an empty page ends the run. This is the one
    onboarding simulation: the cold-start protocol's ``picker`` reveal
    (``evaluation.protocol.PickerReveal``), the onboarding tests and benchmark use it.

    Raises
    ------
    ValueError
        ``target``, ``budget`` or ``page`` < 1.
    """
    if target < 1 or budget < 1 or page < 1:
        raise ValueError("target, budget and page must be >= 1")
    rated: list[int] = []
    skipped: list[int] = []
    proposed: set[int] = set()
    shown = 0
    while len(rated) < target and shown < budget:
        want = min(page, budget - shown)
        slate = [m for m in dict.fromkeys(int(m) for m in propose(rated, skipped, want))]
        slate = [m for m in slate if m not in proposed][:want]
        if not slate:
            break  # the proposer has nothing left
        for movie in slate:
            proposed.add(movie)
            shown += 1
            (rated if movie in seen else skipped).append(movie)
            if len(rated) >= target:
                break
    return OnboardingRun(list(rated), list(skipped), shown, len(rated) >= target)
