"""HTML building blocks of the report: escaping, tables, level pills, share bars, the style.

One style sheet serves the screen and the page: on screen the report is one column of at most
980 px; printed (and in ``report.pdf``) it is A4 with a footer naming the assessment and the
page number, tables and pictures never cut across two pages.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np

from posture.report.figures import hex_colour

CSS = """
body{font-family:'DejaVu Sans',system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;
color:#1d2733;max-width:980px;margin:24px auto;padding:0 20px;line-height:1.45}
h1{font-size:1.6em;margin-bottom:0}h2{font-size:1.2em;margin-top:1.8em;
border-bottom:2px solid #e3e7ec;padding-bottom:4px}h3{font-size:1em;margin:1.2em 0 .4em}
.sub{color:#5b6b7b;margin-top:4px}
table{border-collapse:collapse;width:100%;font-size:.92em}td,th{padding:5px 8px;
border-bottom:1px solid #e3e7ec;text-align:left;vertical-align:top}th{background:#f4f6f8}
td.n{text-align:right;font-variant-numeric:tabular-nums}
table.fields th{width:28%;background:none;color:#5b6b7b;font-weight:normal}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #e3e7ec;border-radius:8px;
padding:10px 14px;min-width:130px}.card b{display:block;font-size:1.45em}
.card span{color:#5b6b7b;font-size:.85em}.pill{display:inline-block;border-radius:10px;
padding:1px 9px;color:#fff;font-size:.85em;font-weight:600}
.moments{display:grid;grid-template-columns:repeat(2,1fr);gap:14px}
figure{margin:0}figure img{width:100%;border-radius:6px}figcaption{font-size:.88em;
color:#33414f}.bar{display:flex;height:18px;border-radius:4px;overflow:hidden;margin:6px 0}
.note{color:#5b6b7b;font-size:.9em}pre{background:#f4f6f8;padding:10px;font-size:.8em;
overflow:auto;white-space:pre-wrap}
@page{size:A4;margin:15mm 13mm 17mm 13mm;
@bottom-right{content:"page " counter(page) " of " counter(pages);font-size:7.5pt;
color:#5b6b7b;font-family:'DejaVu Sans',sans-serif}}
.print-only{display:none}
@media print{body{max-width:none;margin:0;padding:0;font-size:9pt}
h1{font-size:17pt}h2{font-size:12pt;break-after:avoid}h3{break-after:avoid}
table,figure,.cards,.bar,tr{break-inside:avoid}.moments{gap:8px}
.card{padding:6px 10px;min-width:95px}.card b{font-size:13pt}
td,th{padding:3px 5px}table.wide{font-size:.8em}.block{break-inside:avoid}
details{display:none}.print-only{display:block}a{color:inherit;text-decoration:none}}
"""


def footer_css(text: str) -> str:
    """The printed pages' footer (left): ``text``, e.g. the task, worker and date."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'@page{{@bottom-left{{content:"{quoted}";font-size:7.5pt;color:#5b6b7b;width:75%}}}}'


def e(v: Any) -> str:
    """Text escaped for HTML."""
    return html.escape(str(v))


def pill(level: str, text: str | None = None) -> str:
    label = text if text is not None else level.replace("_", " ")
    return f'<span class="pill" style="background:{hex_colour(level)}">{e(label)}</span>'


def fmt(v: Any) -> str:
    """A value as shown: ``-`` for none or NaN, 3 significant digits under 10, else 1 decimal."""
    if v is None:
        return "-"
    if isinstance(v, float):
        return "-" if not np.isfinite(v) else f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def table(
    rows: list[list[Any]],
    head: list[str] | None = None,
    *,
    numeric: bool = True,
    cls: str = "",
    raw: bool = False,
) -> str:
    """An HTML table; numbers right-aligned unless ``numeric`` is False; cells are escaped
    text unless ``raw`` (cells already HTML)."""
    out = [f'<table class="{cls}">' if cls else "<table>"]
    if head:
        out.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
    for r in rows:
        cells = []
        for c in r:
            num = numeric and isinstance(c, int | float) and not isinstance(c, bool)
            text = c if raw and isinstance(c, str) else e(fmt(c))
            cells.append(f'<td class="n">{text}</td>' if num else f"<td>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(out) + "</table>"


def share(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def shares_text(shares: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """``"low 60%, medium 30%, high 10%"``: every level with some time, in order."""
    return ", ".join(
        f"{(labels or {}).get(k, k.replace('_', ' '))} {v:.0%}"
        for k, v in shares.items()
        if isinstance(v, int | float) and v > 0
    )


def share_bar(shares: Mapping[str, Any], title: str) -> str:
    """A bar of the time spent in each level, with its legend above."""
    parts, legend = [], []
    for k, v in shares.items():
        if not isinstance(v, int | float) or v <= 0:
            continue
        colour = hex_colour(k)
        parts.append(f'<div style="width:{100 * v:.2f}%;background:{colour}"></div>')
        legend.append(f'<span style="color:{colour}">■</span> {e(k.replace("_", " "))} {v:.0%}')
    if not parts:
        return ""
    return (
        f'<p class="note">{e(title)}: {" &nbsp; ".join(legend)}</p>'
        f'<div class="bar">{"".join(parts)}</div>'
    )
