"""The default packages (版本) per institution type, from DOMAIN.md's table.

Created once, when missing (catalogue sync on migrate/demo-data/start); afterwards they are
operators' data, changed with the package preview/apply API.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared_schemas import OrgType
from sso.catalogue import admin_functions


@dataclass(frozen=True)
class PackageDefault:
    code: str
    name_zh: str
    name_en: str
    #: Function codes or code prefixes: "insurance" grants every insurance function,
    #: "valueadd.mall" the mall menu and its buttons.
    grants: tuple[str, ...]

    def entries(self) -> set[str]:
        return {grant.split(".", 1)[0] for grant in self.grants}

    def functions(self, catalogue_codes: Iterable[str]) -> set[str]:
        return {
            code
            for code in catalogue_codes
            if any(code == g or code.startswith(g + ".") for g in self.grants)
        }


_BUSINESS = ("insurance", "risk", "valueadd", "orders", "finance")

DEFAULT_PACKAGES: dict[OrgType, PackageDefault] = {
    # 科技类: every entry, and the whole administration console (platform operators).
    OrgType.technology: PackageDefault(
        "technology-standard", "科技类标准版", "Technology standard", (*_BUSINESS, "sso")
    ),
    # 保险代理: insurance and finance.
    OrgType.agency: PackageDefault(
        "agency-standard",
        "保险代理标准版",
        "Insurance agency standard",
        ("insurance", "finance", *admin_functions.INSTITUTION_ADMIN),
    ),
    # 保险技术服务: insurance and risk assessment.
    OrgType.insurtech_service: PackageDefault(
        "insurtech-standard",
        "保险技术服务标准版",
        "Insurance-technology service standard",
        ("insurance", "risk", *admin_functions.INSTITUTION_ADMIN),
    ),
    # 商城类: value-added services — mini-program/mall management, move-car plates, other
    # technical services.
    OrgType.mall: PackageDefault(
        "mall-standard",
        "商城类标准版",
        "Mall standard",
        (
            "valueadd.mall",
            # A merchant's profile, staff and statements (对账), and redeeming (核销) coupons.
            "valueadd.merchant",
            "valueadd.redemption",
            "valueadd.statement.query",
            "valueadd.plate",
            "valueadd.tech_service",
            *admin_functions.INSTITUTION_ADMIN,
        ),
    ),
}
