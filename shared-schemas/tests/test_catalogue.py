from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared_schemas import CATALOGUE, EventRegistry, EventSpec, OrderCreatedV1
from shared_schemas.catalogue import (
    ASYNCAPI_FILE,
    README_FILE,
    asyncapi_document,
    check,
    default_out_dir,
    generate,
    main,
    write,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
REPO_EVENTS_DIR = REPO_ROOT / "docs" / "events"


def test_repo_catalogue_is_up_to_date() -> None:
    stale = check(REPO_EVENTS_DIR)
    assert stale == [], (
        f"stale catalogue files {stale}; run `uv run python -m shared_schemas.catalogue`"
    )


def test_generated_file_set() -> None:
    files = generate()
    assert set(files) == {s.schema_file for s in CATALOGUE} | {ASYNCAPI_FILE, README_FILE}
    assert all(content.endswith("\n") for content in files.values())
    assert generate() == files  # deterministic


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda s: s.schema_file)
def test_schema_file_is_sorted_and_pinned(spec: EventSpec) -> None:
    content = generate()[spec.schema_file]
    schema = json.loads(content)
    assert content == json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert schema["properties"]["event_type"]["const"] == spec.event_type
    assert schema["properties"]["version"]["const"] == spec.version
    assert schema["additionalProperties"] is False
    assert schema["properties"]["payload"] == {"$ref": f"#/$defs/{spec.payload.__name__}"}


def test_money_schema_describes_the_string_wire_form() -> None:
    schema = json.loads(generate()["orders.order.created.v1.schema.json"])
    amount = schema["$defs"]["Money"]["properties"]["amount"]
    assert amount["type"] == "string"
    assert amount["pattern"] == r"^-?\d+\.\d{2}$"


def test_asyncapi_yaml_is_valid_yaml_of_the_document() -> None:
    yaml = pytest.importorskip("yaml")
    loaded = yaml.safe_load(generate()[ASYNCAPI_FILE])
    assert loaded == asyncapi_document(EventRegistry(CATALOGUE).specs())
    assert loaded["asyncapi"] == "3.0.0"
    assert set(loaded["channels"]) == {
        "orders.order",
        "orders.settlement_list",
        "sso.entitlement",
        "finance.invoice",
        "finance.receipt",
        "finance.payment",
        "insurance.order_request",
        "risk.order_request",
        "valueadd.order_request",
        "orders.order_request",
        "insurance.policy",
        "valueadd.staff_earning",
    }
    assert set(loaded["channels"]["orders.order"]["messages"]) == {
        "orders.order.created.v1",
        "orders.order.status_changed.v1",
    }
    assert set(loaded["channels"]["finance.invoice"]["messages"]) == {
        "finance.invoice.applied.v1",
        "finance.invoice.issued.v1",
        "finance.invoice.rejected.v1",
        "finance.invoice.reversed.v1",
    }
    # Every message's schema reference points at a generated file.
    for message in loaded["components"]["messages"].values():
        assert message["payload"]["schema"]["$ref"].removeprefix("./") in generate()


def test_check_reports_changed_missing_and_orphaned_files(tmp_path: Path) -> None:
    assert write(tmp_path) == sorted(generate())
    assert check(tmp_path) == []

    (tmp_path / README_FILE).write_text("edited by hand\n", encoding="utf-8")
    (tmp_path / ASYNCAPI_FILE).unlink()
    (tmp_path / "orders.order.deleted.v1.schema.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not ours\n", encoding="utf-8")
    assert check(tmp_path) == [README_FILE, ASYNCAPI_FILE, "orders.order.deleted.v1.schema.json"]

    write(tmp_path)
    assert check(tmp_path) == []
    assert (tmp_path / "notes.txt").exists()


def test_check_notices_a_new_event(tmp_path: Path) -> None:
    write(tmp_path)

    class OrderCreatedV2(OrderCreatedV1):
        pass

    registry = EventRegistry(CATALOGUE)
    registry.register(
        EventSpec("orders.order", "orders.order.created", 2, OrderCreatedV2, "second version")
    )
    assert check(tmp_path, registry) == [
        README_FILE,
        ASYNCAPI_FILE,
        "orders.order.created.v2.schema.json",
    ]


def test_main_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "events"
    assert main(["--check", "--out", str(out)]) == 1
    assert "stale" in capsys.readouterr().err
    assert main(["--out", str(out)]) == 0
    assert main(["--check", "--out", str(out)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_default_out_dir_finds_the_workspace_root(tmp_path: Path) -> None:
    assert default_out_dir(REPO_ROOT / "shared-schemas" / "src") == REPO_EVENTS_DIR
    with pytest.raises(FileNotFoundError):
        default_out_dir(tmp_path)
