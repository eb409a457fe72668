"""The printable assessment sheet (风险评估单) as one self-contained HTML page: the browser
prints it (or saves it as PDF); no PDF library is needed."""

from __future__ import annotations

from html import escape

from risk.assessments.models import Assessment
from risk.common import BUSINESS_TZ
from risk.requests.lifecycle import LABELS_ZH, RequestStatus
from risk.requests.models import AssessmentRequest
from risk.requests.schemas import USE_NATURE_ZH, UseNature
from risk.scorecards.definition import DECISION_ZH, Decision

_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}
h1{font-size:20px;margin:0 0 4px} .sub{color:#666;margin-bottom:16px}
table{border-collapse:collapse;width:100%;margin:8px 0 16px}
th,td{border:1px solid #999;padding:4px 8px;text-align:left;font-size:13px}
th{background:#f2f2f2;width:16%} .num{text-align:right}
.grade{font-size:28px;font-weight:bold} @media print{body{margin:0}}
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def render_sheet(request: AssessmentRequest, a: Assessment) -> str:
    at = a.assessed_at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")
    inspection = request.inspection
    damage = "；".join(
        f"{d['part']}（{d['severity']}）" for d in inspection.get("damage_items", [])
    )
    rows = "".join(
        f"<tr><td>{_e(c['name'])}</td><td>{_e(c['value'])}</td><td>{_e(c['matched'])}</td>"
        f"<td class='num'>{_e(c['points'])}</td></tr>"
        for c in a.contributions
    )
    payees = "；".join(f"{p.name} {p.share_bp / 100:.2f}%" for p in request.payees) or "—"
    override = (
        f"<tr><th>人工改判</th><td colspan='3'>原等级 {_e(a.grade_before)}，原结论 "
        f"{_e(DECISION_ZH.get(Decision(a.decision_before)) if a.decision_before else '')}；"
        f"原因：{_e(a.reason)}；改判人：{_e(a.assessed_by)}</td></tr>"
        if a.kind == "override"
        else ""
    )
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>风险评估单 {_e(a.assessment_no)}</title><style>{_STYLE}</style></head><body>
<h1>风险评估单</h1><div class="sub">评估编号 {_e(a.assessment_no)} · 评估单号
{_e(request.request_no)} · {_e(at)}（北京时间）</div>
<table>
<tr><th>申请机构</th><td>{_e(request.org_name)}</td><th>保险公司</th><td>{_e(request.insurer_name)}</td></tr>
<tr><th>车架号</th><td>{_e(request.vin)}</td><th>号牌号码</th><td>{_e(request.plate_no or "未上牌")}</td></tr>
<tr><th>初次登记</th><td>{_e(request.register_date)}</td><th>使用性质</th>
<td>{_e(USE_NATURE_ZH[UseNature(request.use_nature)])}</td></tr>
<tr><th>地区代码</th><td>{_e(request.region_code)}</td><th>状态</th>
<td>{_e(LABELS_ZH[RequestStatus(request.status)])}</td></tr>
<tr><th>验车</th><td colspan="3">{_e(inspection.get("operator"))} ·
{_e(inspection.get("place"))} · {_e(inspection.get("inspected_at"))} · 里程
{_e(inspection.get("mileage_km"))} km · 损伤：{_e(damage or "无")}</td></tr>
<tr><th>业务员</th><td colspan="3">{_e(payees)}</td></tr>
</table>
<table><tr><th>评分卡</th><td>{_e(a.scorecard_code)} v{_e(a.scorecard_version)}</td>
<th>总分</th><td class="num">{_e(a.total_points)}</td></tr>
<tr><th>等级</th><td class="grade">{_e(a.grade)}</td><th>结论</th>
<td>{_e(DECISION_ZH[Decision(a.decision)])}</td></tr>
<tr><th>硬性拒绝</th><td>{_e("、".join(a.hard_stops) or "无")}</td><th>复核触发</th>
<td>{_e("、".join(a.review_triggers) or "无")}</td></tr>{override}</table>
<table><tr><th>因子</th><th>取值</th><th>命中</th><th>得分</th></tr>{rows}</table>
</body></html>"""
