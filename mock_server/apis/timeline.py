"""An order's timeline: its steps as events on the clock, shared by both APIs' backends.

Each step (``number``, ``code``, ``expire``...) is an owned event kind ``<api>.<step>`` whose one
argument is the order's id, so the events can be written to a state file, listed with their order
and cancelled with it. When a step's time comes it runs on the order, which is marked changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mock_server.engine.store import Backend

Step = Callable[[Any], Any]


class OrderTimeline:
    """The timed steps of one API's orders (kept in ``backend.orders`` by id)."""

    def __init__(
        self,
        backend: Backend,
        api: str,
        steps: Mapping[str, Step],
        label: Callable[[Any], str] = str,
    ) -> None:
        self.backend = backend
        self.api = api
        self._kinds = {what: f"{api}.{what}" for what in steps}
        for what, step in steps.items():
            backend.sim.scheduler.handle(
                self._kinds[what],
                self._runner(step),
                namer=lambda order_id, what=what: f"{api} {label(order_id)} {what}",
                owned=True,
            )

    def at(self, order_id: Any, when: float, what: str) -> None:
        """Run step ``what`` of an order when the clock reaches ``when``."""
        self.backend.sim.scheduler.schedule(when, self._kinds[what], order_id)

    def after(self, order_id: Any, seconds: float, what: str) -> None:
        """Run step ``what`` of an order ``seconds`` from now (simulated)."""
        self.backend.sim.scheduler.schedule_after(seconds, self._kinds[what], order_id)

    def cancel(self, order_id: Any, what: str | None = None) -> None:
        """Cancel an order's pending steps (only ``what``, if given)."""
        kind = self._kinds[what] if what is not None else None
        self.backend.sim.scheduler.cancel_owned(self.api, order_id, kind=kind)

    def pending(self, order_id: Any) -> list[str]:
        """The names of an order's steps still to come, in the order they will run."""
        return [e.name for e in self.backend.sim.scheduler.owned(self.api, order_id)]

    def upcoming(self, order_id: Any) -> list[tuple[str, float]]:
        """An order's steps still to come, as (step, when), in the order they will run."""
        steps = {kind: what for what, kind in self._kinds.items()}
        return [
            (steps.get(e.kind or "", e.name), e.due)
            for e in self.backend.sim.scheduler.owned(self.api, order_id)
        ]

    def _runner(self, step: Step) -> Callable[[Any], None]:
        backend = self.backend

        def run(order_id: Any) -> None:
            order = backend.orders.get(order_id)  # type: ignore[attr-defined]
            if order is not None:
                backend.changed("orders", order_id)
                step(order)

        return run
