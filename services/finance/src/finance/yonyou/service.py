"""Voucher export to Yonyou U8 (each journal entry once) and AR/AP settlements imported back."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from finance.ledger.models import JournalEntry
from finance.yonyou import u8
from finance.yonyou.models import ExportBatch, PartnerCode, YonyouSettlement
from finance.yonyou.repository import YonyouRepository
from finance.yonyou.schemas import (
    ExportRead,
    ExportWrite,
    ImportResult,
    PartnerRead,
    PartnerWrite,
    SettlementTotal,
    VoucherTypes,
)
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared_schemas import Money, SellingEntity


def operators_only(principal: Principal) -> None:
    # The export and the import carry a legal entity's whole books, not one institution's.
    if not principal.platform_operator:
        raise Forbidden(
            "Only the platform's finance staff exchange books with Yonyou.", code="operators_only"
        )


class YonyouService:
    def __init__(self, repository: YonyouRepository, clock: Clock = utc_now) -> None:
        self.repo = repository
        self.clock = clock

    async def export(self, data: ExportWrite, principal: Principal) -> ExportRead:
        operators_only(principal)
        entries = await self.repo.unexported(
            data.legal_entity.value, data.date_from, data.date_to, data.limit
        )
        if not entries:
            raise Conflict(
                "Every journal entry of that period has been exported already.",
                code="nothing_to_export",
            )
        codes = await self.repo.partner_codes(
            [ln.counterparty_org_id for e in entries for ln in e.lines if ln.counterparty_org_id]
        )
        # 制单人 is the person who makes the voucher file: the exporting clerk by name (the
        # gateway's token carries it), never an id; U8 holds 20 characters.
        maker = (principal.name or principal.subject)[:20]
        lines, numbered = self._vouchers(entries, codes, data.voucher_types, maker)
        batch = ExportBatch(
            id=uuid.uuid4(),
            legal_entity=data.legal_entity.value,
            date_from=data.date_from,
            date_to=data.date_to,
            voucher_types=data.voucher_types.value,
            voucher_count=len(entries),
            line_count=len(lines),
            debit_total_fen=sum(ln.debit_fen for ln in lines),
            content=u8.voucher_csv(lines),
            created_by=principal.subject,
            created_at=self.clock(),
        )
        try:
            await self.repo.record_export(
                batch,
                [
                    {"entry_id": e.id, "batch_id": batch.id, "voucher_type": t, "voucher_no": n}
                    for e, (t, n) in zip(entries, numbered, strict=True)
                ],
            )
        except IntegrityError:
            raise Conflict(
                "Another export took some of these entries meanwhile; run it again.",
                code="export_in_progress",
            ) from None
        return _read(batch)

    def _vouchers(
        self,
        entries: Sequence[JournalEntry],
        codes: dict[uuid.UUID, PartnerCode],
        types: VoucherTypes,
        maker: str,
    ) -> tuple[list[u8.VoucherLine], list[tuple[str, int]]]:
        counters: dict[tuple[str, str], int] = defaultdict(int)
        lines: list[u8.VoucherLine] = []
        numbered: list[tuple[str, int]] = []
        missing: set[tuple[uuid.UUID, str]] = set()
        for entry in entries:
            debits = [ln.account_code for ln in entry.lines if ln.debit_fen]
            credits = [ln.account_code for ln in entry.lines if ln.credit_fen]
            if sum(ln.debit_fen for ln in entry.lines) != sum(ln.credit_fen for ln in entry.lines):
                raise Conflict(f"Entry {entry.id} does not balance.", code="entry_unbalanced")
            kind = "记" if types is VoucherTypes.single else u8.voucher_type(debits, credits)
            counters[(entry.entry_date.strftime("%Y%m"), kind)] += 1
            number = counters[(entry.entry_date.strftime("%Y%m"), kind)]
            numbered.append((kind, number))
            for ln in entry.lines:
                customer = supplier = ""
                org = ln.counterparty_org_id
                if org is not None and ln.account_code.startswith(u8.CUSTOMER_ACCOUNTS):
                    customer = (codes[org].customer_code if org in codes else None) or ""
                    if not customer:
                        missing.add((org, "customer_code"))
                if org is not None and ln.account_code.startswith(u8.SUPPLIER_ACCOUNTS):
                    supplier = (codes[org].supplier_code if org in codes else None) or ""
                    if not supplier:
                        missing.add((org, "supplier_code"))
                lines.append(
                    u8.VoucherLine(
                        day=entry.entry_date,
                        voucher_type=kind,
                        voucher_no=number,
                        summary=ln.memo or entry.memo,
                        account_code=ln.account_code,
                        debit_fen=ln.debit_fen,
                        credit_fen=ln.credit_fen,
                        customer_code=customer,
                        supplier_code=supplier,
                        maker=maker,
                        external_no=str(entry.id),
                    )
                )
        if missing:
            raise Unprocessable(
                "Some institutions have no Yonyou customer/supplier code; set them on the "
                "console's U8 partner codes page (财务中心 → U8 往来编码) and export again.",
                code="partner_code_missing",
                errors=[
                    {"field": f"partners[{org}].{field}", "code": "missing",
                     "message": f"institution {org} needs a U8 {field}"}
                    for org, field in sorted(missing, key=str)
                ],
            )  # fmt: skip
        return lines, numbered

    async def batches(self, legal_entity: SellingEntity | None) -> list[ExportRead]:
        rows = await self.repo.batches(None if legal_entity is None else legal_entity.value, 200)
        return [_read(r) for r in rows]

    async def file(self, batch_id: uuid.UUID, principal: Principal) -> tuple[str, bytes]:
        operators_only(principal)
        batch = await self.repo.batch(batch_id)
        if batch is None:
            raise NotFound(f"No export batch {batch_id}.", code="export_batch_not_found")
        name = f"u8-vouchers-{batch.legal_entity}-{batch.date_to}-{str(batch.id)[:8]}.csv"
        return name, batch.content.encode(u8.ENCODING)

    async def partners(self, principal: Principal) -> list[PartnerRead]:
        operators_only(principal)
        return [PartnerRead.model_validate(p) for p in await self.repo.partners()]

    async def set_partner(
        self, org_id: uuid.UUID, data: PartnerWrite, principal: Principal
    ) -> PartnerRead:
        operators_only(principal)
        partner = await self.repo.partner(org_id)
        if partner is None:
            partner = PartnerCode(org_id=org_id)
            self.repo.add(partner)
        partner.customer_code = data.customer_code
        partner.supplier_code = data.supplier_code
        partner.updated_by = principal.subject
        partner.updated_at = self.clock()
        await self.repo.flush()
        return PartnerRead.model_validate(partner)

    async def import_settlements(
        self, legal_entity: SellingEntity, raw: bytes, principal: Principal
    ) -> ImportResult:
        operators_only(principal)
        try:
            rows = u8.parse_settlements(raw)
        except u8.FileProblem as problem:
            raise Unprocessable(
                f"The settlement file was not imported: {problem}.",
                code="settlement_file_invalid",
                errors=problem.errors,
            ) from None
        errors = []
        seen: dict[tuple[str, str], int] = {}
        for r in rows:
            key = (r.side, r.doc_no)
            if key in seen:
                errors.append(_row_error(r.row, "单据编号", f"repeats row {seen[key]}"))
            seen[key] = r.row
        existing = await self.repo.settlements_by_doc(legal_entity.value, list(seen))
        fresh = []
        for r in rows:
            known = existing.get((r.side, r.doc_no))
            if known is None:
                fresh.append(r)
            elif known.amount_fen != r.amount_fen or known.partner_code != r.partner_code:
                errors.append(_row_error(r.row, "金额",
                                         f"{r.doc_no} was imported before with another amount "
                                         "or partner; correct it in U8 or here"))  # fmt: skip
        if errors:
            raise Unprocessable(
                f"The settlement file was not imported: {errors[0]['message']}.",
                code="settlement_file_invalid",
                errors=errors,
            )
        orgs = {
            side: await self.repo.orgs_by_code(
                side, [r.partner_code for r in fresh if r.side == side]
            )
            for side in ("receivable", "payable")
        }
        now = self.clock()
        unknown = sorted({r.partner_code for r in fresh if r.partner_code not in orgs[r.side]})
        self.repo.add(
            *(
                YonyouSettlement(
                    id=uuid.uuid4(),
                    legal_entity=legal_entity.value,
                    side=r.side,
                    doc_no=r.doc_no,
                    doc_date=r.doc_date,
                    partner_code=r.partner_code,
                    counterparty_org_id=orgs[r.side].get(r.partner_code),
                    amount_fen=r.amount_fen,
                    memo=None if r.memo is None else r.memo[:200],
                    imported_by=principal.subject,
                    imported_at=now,
                )
                for r in fresh
            )
        )
        await self.repo.flush()
        return ImportResult(
            legal_entity=legal_entity,
            rows=len(rows),
            imported=len(fresh),
            duplicates=len(rows) - len(fresh),
            amount=Money.from_fen(sum(r.amount_fen for r in fresh)).amount,
            unknown_partner_codes=unknown,
        )

    async def settlement_totals(
        self, legal_entity: SellingEntity, date_from: date, date_to: date, principal: Principal
    ) -> list[SettlementTotal]:
        operators_only(principal)
        return [
            SettlementTotal(
                side=r.side,
                partner_code=r.partner_code,
                counterparty_org_id=r.counterparty_org_id,
                documents=r.documents,
                amount=Money.from_fen(int(r.amount_fen)).amount,
            )
            for r in await self.repo.settlement_totals(legal_entity.value, date_from, date_to)
        ]


def _row_error(row: int, column: str, message: str) -> dict[str, str]:
    return {"field": f"file.rows[{row}].{column}", "code": "invalid", "message": message}


def _read(b: Any) -> ExportRead:
    return ExportRead(
        id=b.id,
        legal_entity=SellingEntity(b.legal_entity),
        date_from=b.date_from,
        date_to=b.date_to,
        voucher_types=VoucherTypes(b.voucher_types),
        voucher_count=b.voucher_count,
        line_count=b.line_count,
        debit_total=Money.from_fen(b.debit_total_fen).amount,
        created_by=b.created_by,
        created_at=b.created_at,
        file=f"/v1/yonyou/exports/{b.id}/file",
    )
