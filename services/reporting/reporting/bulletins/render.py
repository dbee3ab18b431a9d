"""A bulletin's files, drawn from its frozen, published content (never recomputed): XLSX with native Excel charts,
PDF, and each chart as PNG and SVG. All headings in Chinese.

Fonts: the PDF uses ReportLab's built-in CID font STSong-Light, which every PDF reader supplies, so Chinese renders
without anything installed; its charts are ReportLab's own drawings. PNG and SVG are drawn by matplotlib with
WenQuanYi Micro Hei from the paperang-p2-fonts-cjk wheel (pip installs it; the SVG carries the glyphs as paths, so it
needs no font either). Blocking work: callers run these in a worker thread."""

from __future__ import annotations

import importlib.resources
import io
from decimal import Decimal
from functools import cache
from typing import Any

CHARTS = ("placement_rate", "control_rate", "consolidation_rate", "training_coverage", "trend")
RATE_CODES = ("placement_rate", "control_rate", "consolidation_rate", "training_coverage")
TREND_CODES = ("placement_rate", "control_rate", "consolidation_rate")
PDF_FONT = "STSong-Light"
COLOURS = {"placement_rate": "#2f6fad", "control_rate": "#c0504d", "consolidation_rate": "#4f9a52"}
UNIT_SUFFIX = {"percent": "%", "count": ""}


def _indicator(content: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in content["report"]["indicators"] if i["code"] == code)


def _num(value: Any) -> float | None:
    return None if value is None else float(Decimal(str(value)))


def _status(figure: dict[str, Any]) -> str:
    if figure["suppressed"]:
        return "数据过少,不公布"
    if figure["met"] is None:
        return "—"
    return "达标" if figure["met"] else f"未达标(差{figure['gap']}人)" if figure["gap"] is not None else "未达标"


def _fmt_value(figure: dict[str, Any], unit: str) -> str:
    if figure["value"] is None:
        return "—"
    v = Decimal(str(figure["value"]))
    return f"{v:.2f}%" if unit == "percent" else f"{v:.0f}"


def rule_zh(content: dict[str, Any]) -> str:
    """'consolidation-v2, N=3 years' as the bulletin says it."""
    years = "".join(ch for ch in content["report"]["consolidation_rule"].split("N=")[-1] if ch.isdigit())
    return f"登记处戒断巩固规则v2(巩固期{years}年)"


def title(content: dict[str, Any], bulletin: dict[str, Any]) -> str:
    return bulletin["title_zh"]


def summary_rows(content: dict[str, Any]) -> list[list[str]]:
    rows = [["指标", "定义版本", "分子", "分母", "全县值", "目标", "是否达标", "差距人数"]]
    for ind in content["report"]["indicators"]:
        c = ind["county"]
        rows.append(
            [
                ind["label_zh"],
                f"v{ind['definition_version']}",
                c["numerator_display"],
                c["denominator_display"] or "—",
                _fmt_value(c, ind["unit"]),
                "—" if c["target"] is None else f"{Decimal(c['target']):.2f}{UNIT_SUFFIX[ind['unit']]}",
                "—" if c["met"] is None else ("达标" if c["met"] else "未达标"),
                "—" if c["gap"] is None else str(c["gap"]),
            ]
        )
    return rows


def jurisdiction_rows(content: dict[str, Any], code: str) -> list[list[str]]:
    ind = _indicator(content, code)
    rows = [["排名", "乡镇", "分子", "分母", ind["label_zh"], "目标", "达标情况"]]
    ordered = sorted(ind["jurisdictions"], key=lambda f: (f["rank"] is None, f["rank"] or 0))
    for f in ordered:
        rows.append(
            [
                "—" if f["rank"] is None else str(f["rank"]),
                f["jurisdiction_name_zh"],
                f["numerator_display"],
                f["denominator_display"] or "—",
                _fmt_value(f, ind["unit"]),
                "—" if f["target"] is None else f"{Decimal(f['target']):.2f}%",
                _status(f),
            ]
        )
    return rows


def below_target(content: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Per rate: the jurisdictions below their target (only those whose figures are published)."""
    out = []
    for code in RATE_CODES:
        ind = _indicator(content, code)
        names = [
            f"{f['jurisdiction_name_zh']}({_fmt_value(f, 'percent')},差{f['gap']}人)"
            for f in ind["jurisdictions"]
            if f["met"] is False and not f["suppressed"]
        ]
        out.append((ind["label_zh"], names))
    return out


def data_as_of_text(content: dict[str, Any]) -> str:
    names = {"registry": "登记", "placement": "安置", "subsidy": "补助"}
    parts = []
    for s in content["report"]["data_as_of"]:
        when = s["as_of"][:16].replace("T", " ") if s["as_of"] else "尚未读取"
        parts.append(f"{names.get(s['source'], s['source'])}数据截至 {when} UTC")
    return ";".join(parts)


# --- charts (PNG, SVG) --------------------------------------------------------------------------------------------


@cache
def _matplotlib() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    path = importlib.resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
    font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams.update(
        {
            "font.family": "WenQuanYi Micro Hei",
            "axes.unicode_minus": False,
            "svg.fonttype": "path",
            "svg.hashsalt": "qihang",
            "figure.dpi": 100,
        }
    )
    return Figure


def chart(content: dict[str, Any], name: str, fmt: str) -> bytes:
    """One chart as PNG or SVG (matplotlib's object API, no pyplot: safe in worker threads)."""
    fig = _matplotlib()(figsize=(10, 5.2))
    ax = fig.subplots()
    if name == "trend":
        _trend_axes(ax, content)
    else:
        _rate_axes(ax, content, name)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return out.getvalue()


def _rate_axes(ax: Any, content: dict[str, Any], code: str) -> None:
    ind = _indicator(content, code)
    names = [f["jurisdiction_name_zh"] for f in ind["jurisdictions"]]
    values = [_num(f["value"]) or 0.0 for f in ind["jurisdictions"]]
    colours = [
        "#bbbbbb"
        if f["suppressed"] or f["value"] is None
        else ("#4f9a52" if f["met"] else "#c0504d" if f["met"] is False else "#2f6fad")
        for f in ind["jurisdictions"]
    ]
    bars = ax.bar(range(len(names)), values, color=colours)
    for bar, f in zip(bars, ind["jurisdictions"], strict=True):
        label = "<5" if f["suppressed"] else ("—" if f["value"] is None else f"{_num(f['value']):.1f}")
        ax.annotate(label, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=8)
    target = _num(ind["county"]["target"])
    if target is not None:
        ax.axhline(target, color="#333333", linestyle="--", linewidth=1.2, label=f"目标 {target:.0f}%")
        ax.legend(loc="upper right")
    county = _fmt_value(ind["county"], "percent")
    ax.set_title(f"各乡镇{ind['label_zh']}(全县 {county})— {content['report']['period']['label_zh']}")
    ax.set_xticks(range(len(names)), names, rotation=35, ha="right", fontsize=9)
    ax.set_ylabel("%")
    ax.set_ylim(0, max(100.0, max(values, default=0) * 1.1))


def _trend_axes(ax: Any, content: dict[str, Any]) -> None:
    points = content["trend"]
    labels = [p["period"] for p in points]
    for code in TREND_CODES:
        values = [_num(p[code]["value"]) for p in points]
        label = _indicator(content, code)["label_zh"]
        ax.plot(
            range(len(points)),
            [v if v is not None else float("nan") for v in values],
            marker="o",
            label=label,
            color=COLOURS[code],
        )
        targets = [_num(p[code]["target"]) for p in points]
        if any(t is not None for t in targets):
            ax.plot(
                range(len(points)),
                [t if t is not None else float("nan") for t in targets],
                linestyle="--",
                linewidth=1,
                color=COLOURS[code],
                label=f"{label}目标",
            )
    ax.set_title(f"全县主要指标月度走势(截至{content['report']['period']['label_zh']})")
    ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right", fontsize=9)
    ax.set_ylabel("%")
    ax.set_ylim(0, 100)
    ax.legend(loc="upper left", fontsize=8, ncol=2)


# --- XLSX -----------------------------------------------------------------------------------------------------------


def xlsx(content: dict[str, Any], bulletin: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    wb = Workbook()
    ws = wb.active
    ws.title = "全县汇总"
    ws.append([bulletin["number"]])
    ws.append([title(content, bulletin)])
    ws["A2"].font = Font(bold=True, size=14)
    ws.append(
        [
            f"统计期:{content['report']['period']['label_zh']}(截至{content['report']['period']['end']});定"
            f"义版本 v{content['report']['definition_version']};{rule_zh(content)}"
        ]
    )
    ws.append([data_as_of_text(content)])
    ws.append([])
    for i, row in enumerate(summary_rows(content)):
        ws.append(row)
        if i == 0:
            for cell in ws[ws.max_row]:
                cell.font, cell.fill = bold, head_fill
    ws.append([])
    ws.append(
        [
            f"注:分子或分母小于{content['report']['suppression_threshold']}的数值以“<{content['report']['suppression_threshold']}”表示,相应比率不予公布。"
        ]
    )
    for col, width in zip("ABCDEFGH", (22, 10, 10, 10, 12, 12, 10, 10), strict=True):
        ws.column_dimensions[col].width = width

    for code in RATE_CODES:
        ind = _indicator(content, code)
        sheet = wb.create_sheet(ind["label_zh"])
        sheet.append(["排名", "乡镇", "分子", "分母", f"{ind['label_zh']}(%)", "目标(%)", "达标情况"])
        for cell in sheet[1]:
            cell.font, cell.fill = bold, head_fill
        for f in ind["jurisdictions"]:
            sheet.append(
                [
                    f["rank"],
                    f["jurisdiction_name_zh"],
                    f["numerator_display"],
                    f["denominator_display"],
                    _num(f["value"]),
                    _num(f["target"]),
                    _status(f),
                ]
            )
        n = len(ind["jurisdictions"])
        bar = BarChart()
        bar.type = "col"
        bar.title = f"各乡镇{ind['label_zh']}与目标"
        bar.y_axis.title = "%"
        bar.add_data(Reference(sheet, min_col=5, min_row=1, max_row=n + 1), titles_from_data=True)
        bar.set_categories(Reference(sheet, min_col=2, min_row=2, max_row=n + 1))
        line = LineChart()
        line.add_data(Reference(sheet, min_col=6, min_row=1, max_row=n + 1), titles_from_data=True)
        bar += line
        bar.width, bar.height = 24, 11
        sheet.add_chart(bar, "I2")
        for col, width in zip("ABCDEFG", (6, 22, 8, 8, 14, 10, 22), strict=True):
            sheet.column_dimensions[col].width = width

    below = wb.create_sheet("未达标乡镇")
    below.append(["指标", "低于目标的乡镇"])
    for cell in below[1]:
        cell.font, cell.fill = bold, head_fill
    for label, names in below_target(content):
        below.append([label, "、".join(names) if names else "无"])
    below.column_dimensions["A"].width = 18
    below.column_dimensions["B"].width = 100
    for row in below.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True)

    trend = wb.create_sheet("月度走势")
    trend.append(["月份"] + [f"{_indicator(content, c)['label_zh']}(%)" for c in TREND_CODES])
    for cell in trend[1]:
        cell.font, cell.fill = bold, head_fill
    for p in content["trend"]:
        trend.append([p["period"]] + [_num(p[c]["value"]) for c in TREND_CODES])
    line = LineChart()
    line.title = "全县主要指标月度走势"
    line.y_axis.title = "%"
    rows = len(content["trend"])
    line.add_data(
        Reference(trend, min_col=2, max_col=1 + len(TREND_CODES), min_row=1, max_row=rows + 1), titles_from_data=True
    )
    line.set_categories(Reference(trend, min_col=1, min_row=2, max_row=rows + 1))
    line.width, line.height = 24, 11
    trend.add_chart(line, "F2")
    trend.column_dimensions["A"].width = 12

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------------------------------------


@cache
def _pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def _rate_drawing(content: dict[str, Any], code: str, width: float, height: float) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, Line, String
    from reportlab.lib import colors

    font = _pdf_font()
    ind = _indicator(content, code)
    figures = ind["jurisdictions"]
    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 70, width - 60, height - 100
    chart.data = [[_num(f["value"]) or 0.0 for f in figures]]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = font
    chart.categoryAxis.categoryNames = [f["jurisdiction_name_zh"] for f in figures]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 35
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.bars[0].fillColor = colors.HexColor("#2f6fad")
    for i, f in enumerate(figures):
        colour = (
            "#bbbbbb" if f["suppressed"] else "#4f9a52" if f["met"] else "#c0504d" if f["met"] is False else "#2f6fad"
        )
        chart.bars[(0, i)].fillColor = colors.HexColor(colour)
    d.add(chart)
    target = _num(ind["county"]["target"])
    if target is not None:
        y = chart.y + chart.height * target / 100
        d.add(
            Line(chart.x, y, chart.x + chart.width, y, strokeColor=colors.black, strokeDashArray=[4, 3], strokeWidth=1)
        )
        d.add(
            String(chart.x + chart.width - 2, y + 3, f"目标 {target:.0f}%", fontName=font, fontSize=8, textAnchor="end")
        )
    d.add(
        String(
            width / 2, height - 14, f"各乡镇{ind['label_zh']}与目标", fontName=font, fontSize=11, textAnchor="middle"
        )
    )
    return d


def _trend_drawing(content: dict[str, Any], width: float, height: float) -> Any:
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    font = _pdf_font()
    points = content["trend"]
    d = Drawing(width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 40, 50, width - 170, height - 80
    # A series with no published value at all (every month withheld) is left out: there is nothing to draw.
    drawn = [c for c in TREND_CODES if any(p[c]["value"] is not None for p in points)]
    if not drawn:
        d.add(String(width / 2, height / 2, "数据过少,不绘制走势", fontName=font, fontSize=10, textAnchor="middle"))
        return d
    chart.data = [[_num(p[c]["value"]) for p in points] for c in drawn]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.categoryAxis.categoryNames = [p["period"] for p in points]
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 35
    chart.categoryAxis.labels.boxAnchor = "ne"
    for i, code in enumerate(drawn):
        chart.lines[i].strokeColor = colors.HexColor(COLOURS[code])
        chart.lines[i].strokeWidth = 1.5
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 120, height - 40
    legend.fontName = font
    legend.fontSize = 8
    legend.colorNamePairs = [(colors.HexColor(COLOURS[c]), _indicator(content, c)["label_zh"]) for c in drawn]
    d.add(legend)
    d.add(String(width / 2, height - 14, "全县主要指标月度走势", fontName=font, fontSize=11, textAnchor="middle"))
    return d


def pdf(content: dict[str, Any], bulletin: dict[str, Any]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _pdf_font()
    styles = {
        "title": ParagraphStyle("title", fontName=font, fontSize=17, leading=24, alignment=1, spaceAfter=6),
        "number": ParagraphStyle("number", fontName=font, fontSize=10, leading=14, alignment=1),
        "h": ParagraphStyle("h", fontName=font, fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=4),
        "p": ParagraphStyle("p", fontName=font, fontSize=10, leading=15, wordWrap="CJK"),
        "small": ParagraphStyle("small", fontName=font, fontSize=8, leading=11, wordWrap="CJK", textColor=colors.grey),
    }

    def grid(rows: list[list[str]], widths: list[float]) -> Table:
        t = Table(rows, colWidths=widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), font, 9),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("ALIGN", (2, 1), (-1, -1), "CENTER"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return t

    report = content["report"]
    period = report["period"]
    story: list[Any] = [
        Paragraph(bulletin["number"], styles["number"]),
        Paragraph(title(content, bulletin), styles["title"]),
        Paragraph(
            f"统计期:{period['label_zh']}(数据为{period['end']}当日情况)。指标定义版本 v{report['definition_version']};"
            f"戒断巩固按{rule_zh(content)}计算。{data_as_of_text(content)}。",
            styles["p"],
        ),
        Paragraph("一、全县总体情况", styles["h"]),
        grid(summary_rows(content), [34 * mm, 16 * mm, 16 * mm, 16 * mm, 20 * mm, 20 * mm, 18 * mm, 18 * mm]),
        Paragraph("二、各乡镇就业安置率排名及达标情况", styles["h"]),
        grid(
            jurisdiction_rows(content, "placement_rate"),
            [12 * mm, 46 * mm, 16 * mm, 16 * mm, 24 * mm, 18 * mm, 40 * mm],
        ),
        Spacer(1, 4 * mm),
        _rate_drawing(content, "placement_rate", 170 * mm, 70 * mm),
        PageBreak(),
        Paragraph("三、低于目标的乡镇", styles["h"]),
    ]
    for label, names in below_target(content):
        story.append(Paragraph(f"{label}:{'、'.join(names) if names else '无'}。", styles["p"]))
    story.append(Paragraph("四、其他指标分乡镇情况", styles["h"]))
    for code in ("control_rate", "consolidation_rate", "training_coverage"):
        story.append(Paragraph(_indicator(content, code)["label_zh"], styles["p"]))
        story.append(
            grid(jurisdiction_rows(content, code), [12 * mm, 46 * mm, 16 * mm, 16 * mm, 24 * mm, 18 * mm, 40 * mm])
        )
        story.append(Spacer(1, 3 * mm))
    story += [
        Paragraph("五、全县主要指标走势", styles["h"]),
        _trend_drawing(content, 170 * mm, 80 * mm),
        Spacer(1, 4 * mm),
        Paragraph(
            f"注:分子或分母小于{report['suppression_threshold']}的数值以“<{report['suppression_threshold']}”表示,相应比率不予公布;"
            "差距人数 = 目标 × 分母(向上取整)− 分子。本通报数据"
            "在发布时冻结,此后补录的数据作为修订另行列示,不改变本通报。",
            styles["small"],
        ),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title(content, bulletin),
        author="柳城县禁毒办",
        invariant=1,
    )
    doc.build(story)
    return out.getvalue()


def warm_up() -> None:
    """Load matplotlib, its font and ReportLab's CID font once, at start-up (in a worker thread): the first chart of a
    fresh process otherwise pays for them (seconds on a busy machine)."""
    _matplotlib()
    _pdf_font()
