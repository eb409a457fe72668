"""The catalogue file format (sso's own `functions.json` and services' registration files) and
the catalogue as the admin API shows it."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from servicekit.validation import field_error

#: `<entry>.<segment>[.<segment>…]`, lower-case words joined by underscores.
FUNCTION_CODE = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
ENTRY_CODE = r"^[a-z][a-z0-9_]*$"


class EntryKind(StrEnum):
    business = "business"  # one of the portal's entries
    platform = "platform"  # sso's administration console


class FunctionKind(StrEnum):
    menu = "menu"  # 菜单
    button = "button"  # 按钮


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FunctionDecl(_Strict):
    code: str = Field(pattern=FUNCTION_CODE, max_length=120, examples=["finance.invoice.apply"])
    type: FunctionKind
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    #: Only on a top-level declaration: attach under a function that already exists (possibly
    #: declared by another source), e.g. a service adding a button to sso's menu.
    parent: str | None = Field(default=None, pattern=FUNCTION_CODE, max_length=120)
    children: list[FunctionDecl] = Field(default_factory=list)

    @model_validator(mode="after")
    def _children_extend_the_code(self) -> Self:
        if self.type is FunctionKind.button and self.children:
            raise field_error(
                "FunctionDecl",
                ("children",),
                "button_has_children",
                "a button cannot hold other functions",
                self.code,
            )
        for index, child in enumerate(self.children):
            if child.parent is not None:
                raise field_error(
                    "FunctionDecl",
                    ("children", index, "parent"),
                    "nested_parent",
                    "only top-level functions name a parent",
                    child.parent,
                )
            if not child.code.startswith(self.code + "."):
                raise field_error(
                    "FunctionDecl",
                    ("children", index, "code"),
                    "code_outside_parent",
                    f"a child of {self.code} must be named {self.code}.<…>",
                    child.code,
                )
        return self

    def walk(self) -> list[FunctionDecl]:
        return [self, *(d for c in self.children for d in c.walk())]


class EntryDecl(_Strict):
    code: str = Field(pattern=ENTRY_CODE, max_length=40)
    #: Needed only to declare a new entry; a file adding functions to an existing entry names
    #: the entry's code alone.
    kind: EntryKind | None = None
    name_zh: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, min_length=1, max_length=100)
    icon: str | None = Field(default=None, max_length=60)
    functions: list[FunctionDecl] = Field(default_factory=list)

    @property
    def declares_entry(self) -> bool:
        return self.kind is not None

    @model_validator(mode="after")
    def _complete_and_inside(self) -> Self:
        names = (self.kind, self.name_zh, self.name_en)
        if any(v is not None for v in names) and not all(v is not None for v in names):
            raise field_error(
                "EntryDecl",
                ("kind",),
                "entry_incomplete",
                "declaring an entry needs kind, name_zh and name_en",
                self.code,
            )
        for index, top in enumerate(self.functions):
            if not top.code.startswith(self.code + "."):
                raise field_error(
                    "EntryDecl",
                    ("functions", index, "code"),
                    "code_outside_entry",
                    f"functions of {self.code} are named {self.code}.<…>",
                    top.code,
                )
        return self


class CatalogueFile(_Strict):
    """One source's catalogue: its version increases with every change of its content."""

    comment: str | None = Field(default=None, alias="$comment")
    source: str = Field(pattern=ENTRY_CODE, max_length=60, examples=["finance"])
    version: int = Field(ge=1)
    entries: list[EntryDecl] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_unique(self) -> Self:
        seen: set[str] = set()
        for e_index, entry in enumerate(self.entries):
            for f_index, top in enumerate(entry.functions):
                for decl in top.walk():
                    if decl.code in seen:
                        raise field_error(
                            "CatalogueFile",
                            ("entries", e_index, "functions", f_index),
                            "duplicate_function",
                            f"{decl.code} is declared twice",
                            decl.code,
                        )
                    seen.add(decl.code)
        return self

    def checksum(self) -> str:
        """Of the content only (not the comment), so reformatting the file changes nothing."""
        content = self.model_dump(mode="json", exclude={"comment"}, exclude_none=True)
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class SyncStatus(StrEnum):
    applied = "applied"
    unchanged = "unchanged"
    skipped_older = "skipped_older"  # the database already holds a newer version of the source


class SyncResult(BaseModel):
    source: str
    version: int
    status: SyncStatus
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    retired: list[str] = Field(default_factory=list)


class FunctionNode(BaseModel):
    code: str
    type: FunctionKind
    name_zh: str
    name_en: str
    source: str
    children: list[FunctionNode] = Field(default_factory=list)


class EntryRead(BaseModel):
    code: str
    kind: EntryKind
    name_zh: str
    name_en: str
    icon: str | None
    functions: list[FunctionNode]


class SourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: str
    version: int
    checksum: str


class CatalogueRead(BaseModel):
    entries: list[EntryRead]
    sources: list[SourceRead]
