"""The insurers the platform works with (保险公司), by code; the console shows the names."""

from __future__ import annotations

INSURERS: dict[str, str] = {
    "PICC": "中国人民财产保险股份有限公司",
    "PINGAN": "中国平安财产保险股份有限公司",
    "CPIC": "中国太平洋财产保险股份有限公司",
    "CLPC": "中国人寿财产保险股份有限公司",
    "TPIC": "太平财产保险有限公司",
    "SUNSHINE": "阳光财产保险股份有限公司",
    "DADI": "中国大地财产保险股份有限公司",
    "CHINALIFE": "中国人寿保险股份有限公司",
}
