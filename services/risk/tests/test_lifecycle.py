"""The request life cycle is one table: any sequence of triggers moves a request only along it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from risk.requests import lifecycle
from risk.requests.lifecycle import TRANSITIONS, IllegalTransition, RequestStatus, Trigger


@given(st.lists(st.sampled_from(list(Trigger)), max_size=30))
def test_only_the_table_moves_a_request(triggers: list[Trigger]) -> None:
    status = RequestStatus.submitted
    for trigger in triggers:
        if (status, trigger) in TRANSITIONS:
            target = lifecycle.next_status(status, trigger)
            assert target == TRANSITIONS[(status, trigger)]
            status = target
        else:
            with pytest.raises(IllegalTransition):
                lifecycle.next_status(status, trigger)


def test_billed_requests_are_never_reassessed() -> None:
    for status in (RequestStatus.in_statement, RequestStatus.accepted, RequestStatus.billed,
                   RequestStatus.settled):  # fmt: skip
        assert not lifecycle.can(status, Trigger.assessed_accept)


def test_every_status_has_a_label() -> None:
    assert set(lifecycle.LABELS_ZH) == set(RequestStatus)
