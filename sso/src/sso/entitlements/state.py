"""An institution's entitlement as a value: compared, diffed and changed in memory, then
written by the repository. Keeps the rules (what counts, what a package change does) out of
SQL and testable without a database."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class EntryState:
    enabled: bool
    target_url: str | None = None
    client_id: uuid.UUID | None = None


@dataclass(frozen=True)
class EntitlementState:
    entries: Mapping[str, EntryState] = field(default_factory=dict)
    #: Granted functions, also those of entries now off (they count again when it is back on).
    functions: frozenset[str] = frozenset()

    def enabled_entries(self) -> set[str]:
        return {code for code, entry in self.entries.items() if entry.enabled}

    def effective_functions(self, entry_of: Mapping[str, str]) -> set[str]:
        """What the institution holds now: granted, in the active catalogue, entry on.
        `entry_of`: function code → entry code of the active catalogue."""
        enabled = self.enabled_entries()
        return {f for f in self.functions if f in entry_of and entry_of[f] in enabled}

    def normalised(self) -> EntitlementState:
        """An entry that is off and opens nowhere special is the same as no entry row."""
        kept = {c: e for c, e in self.entries.items() if e.enabled or e.target_url is not None}
        return EntitlementState(kept, self.functions)

    def snapshot(self) -> dict[str, Any]:
        """For the audit log."""
        return {
            "entries": {
                code: {"enabled": e.enabled, "target_url": e.target_url}
                for code, e in sorted(self.entries.items())
            },
            "functions": sorted(self.functions),
        }


@dataclass(frozen=True)
class PackageDelta:
    """What a package change adds and removes; applied to each institution following it."""

    entries_added: frozenset[str] = frozenset()
    entries_removed: frozenset[str] = frozenset()
    functions_added: frozenset[str] = frozenset()
    functions_removed: frozenset[str] = frozenset()

    @classmethod
    def between(
        cls,
        old_entries: Iterable[str],
        old_functions: Iterable[str],
        new_entries: Iterable[str],
        new_functions: Iterable[str],
    ) -> PackageDelta:
        oe, of, ne, nf = set(old_entries), set(old_functions), set(new_entries), set(new_functions)
        return cls(frozenset(ne - oe), frozenset(oe - ne), frozenset(nf - of), frozenset(of - nf))

    def applied_to(self, state: EntitlementState) -> EntitlementState:
        """Only the delta moves: what an institution was given beyond its package (or had
        taken away) stays as it is, and so do its target URLs."""
        entries = dict(state.entries)
        for code in self.entries_added:
            entries[code] = replace(entries.get(code, EntryState(enabled=False)), enabled=True)
        for code in self.entries_removed & entries.keys():
            entries[code] = replace(entries[code], enabled=False)
        functions = (state.functions | self.functions_added) - self.functions_removed
        return EntitlementState(entries, frozenset(functions)).normalised()


@dataclass(frozen=True)
class StateDiff:
    entries_enabled: list[str]
    entries_disabled: list[str]
    functions_added: list[str]
    functions_removed: list[str]
    #: entry → (old target URL, new target URL)
    targets_changed: dict[str, tuple[str | None, str | None]]

    @classmethod
    def between(cls, old: EntitlementState, new: EntitlementState) -> StateDiff:
        old_on, new_on = old.enabled_entries(), new.enabled_entries()
        targets = {
            code: (old_url, new_url)
            for code in sorted(old.entries.keys() | new.entries.keys())
            if (old_url := _target(old, code)) != (new_url := _target(new, code))
        }
        return cls(
            entries_enabled=sorted(new_on - old_on),
            entries_disabled=sorted(old_on - new_on),
            functions_added=sorted(new.functions - old.functions),
            functions_removed=sorted(old.functions - new.functions),
            targets_changed=targets,
        )

    @property
    def empty(self) -> bool:
        return not (
            self.entries_enabled
            or self.entries_disabled
            or self.functions_added
            or self.functions_removed
            or self.targets_changed
        )


def _target(state: EntitlementState, code: str) -> str | None:
    entry = state.entries.get(code)
    return entry.target_url if entry else None
