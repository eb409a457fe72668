"""Shared vocabularies. Values are the wire form (stable, ASCII); `label_zh` is for display."""

from __future__ import annotations

from enum import StrEnum


class _LabelledEnum(StrEnum):
    @property
    def label_zh(self) -> str:
        """The Chinese business term, as used in the requirements and the UI."""
        # Keyed by class then value: StrEnum members hash like their string values, so one
        # flat dict across enums could silently collide.
        return _LABELS_ZH[type(self)][self.value]


class OrderCategory(_LabelledEnum):
    """What a chargeable service order is for (订单类别)."""

    value_added_redemption = "value_added_redemption"  # 增值服务核销
    value_added_settlement = "value_added_settlement"  # 增值服务结算
    risk_assessment = "risk_assessment"  # 风险评估
    channel_promotion_fee = "channel_promotion_fee"  # 渠道推广服务费
    plate_purchase = "plate_purchase"  # 挪车牌采购
    plate_call_fee = "plate_call_fee"  # 挪车牌拨打费
    plate_combined_settlement = "plate_combined_settlement"  # 挪车牌合并结算
    technical_service = "technical_service"  # 技术服务 (TPA/广告)
    promoter_payout = "promoter_payout"  # 推广费支付
    merchant_payout = "merchant_payout"  # 商户付款
    org_top_up = "org_top_up"  # 机构充值


class OrderDirection(_LabelledEnum):
    """Whether we collect (应收) or pay (应付) the order's amount."""

    receivable = "receivable"  # 应收
    payable = "payable"  # 应付


class OrderStatus(_LabelledEnum):
    """An order's life cycle from creation to settlement (订单状态)."""

    created = "created"  # 已创建
    reconciled = "reconciled"  # 已对账
    invoice_applied = "invoice_applied"  # 已申请开票
    invoiced = "invoiced"  # 已开票
    settled = "settled"  # 已结算
    closed = "closed"  # 已关闭
    cancelled = "cancelled"  # 已取消


class SellingEntity(_LabelledEnum):
    """The group's legal entity that sells the service and issues the invoice (销售主体)."""

    agency_company = "agency_company"  # 保险代理公司
    technology_company = "technology_company"  # 科技公司


class RedInvoiceReason(_LabelledEnum):
    """Why a red-letter (reversing) invoice was issued (红冲原因)."""

    invoice_error = "invoice_error"  # 开票有误
    sales_return = "sales_return"  # 销货退回
    service_terminated = "service_terminated"  # 服务终止
    sales_allowance = "sales_allowance"  # 销售折让


class OrgType(_LabelledEnum):
    """Institution type (机构类型); decides the default entries an org sees."""

    technology = "technology"  # 科技类
    agency = "agency"  # 保险代理
    insurtech_service = "insurtech_service"  # 保险技术服务
    mall = "mall"  # 商城类


class Entry(_LabelledEnum):
    """A platform entry (入口): a sub-system with its own function menus."""

    insurance = "insurance"  # 保险管理
    risk = "risk"  # 风险评估
    valueadd = "valueadd"  # 增值服务
    orders = "orders"  # 订单中心
    finance = "finance"  # 财务中心


class InsuranceLine(_LabelledEnum):
    """The kind of insurance a policy is (险种大类)."""

    car_commercial = "car_commercial"  # 商业险
    car_compulsory = "car_compulsory"  # 交强险
    non_car = "non_car"  # 非车险
    life = "life"  # 寿险


_LABELS_ZH: dict[type[StrEnum], dict[str, str]] = {
    OrderCategory: {
        "value_added_redemption": "增值服务核销",
        "value_added_settlement": "增值服务结算",
        "risk_assessment": "风险评估",
        "channel_promotion_fee": "渠道推广服务费",
        "plate_purchase": "挪车牌采购",
        "plate_call_fee": "挪车牌拨打费",
        "plate_combined_settlement": "挪车牌合并结算",
        "technical_service": "技术服务（TPA/广告）",
        "promoter_payout": "推广费支付",
        "merchant_payout": "商户付款",
        "org_top_up": "机构充值",
    },
    OrderDirection: {"receivable": "应收", "payable": "应付"},
    OrderStatus: {
        "created": "已创建",
        "reconciled": "已对账",
        "invoice_applied": "已申请开票",
        "invoiced": "已开票",
        "settled": "已结算",
        "closed": "已关闭",
        "cancelled": "已取消",
    },
    SellingEntity: {
        "agency_company": "保险代理公司",
        "technology_company": "科技公司",
    },
    RedInvoiceReason: {
        "invoice_error": "开票有误",
        "sales_return": "销货退回",
        "service_terminated": "服务终止",
        "sales_allowance": "销售折让",
    },
    OrgType: {
        "technology": "科技类",
        "agency": "保险代理",
        "insurtech_service": "保险技术服务",
        "mall": "商城类",
    },
    Entry: {
        "insurance": "保险管理",
        "risk": "风险评估",
        "valueadd": "增值服务",
        "orders": "订单中心",
        "finance": "财务中心",
    },
    InsuranceLine: {
        "car_commercial": "商业险",
        "car_compulsory": "交强险",
        "non_car": "非车险",
        "life": "寿险",
    },
}
