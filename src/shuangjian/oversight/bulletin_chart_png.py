"""The bulletin's chart images for the Word file: drawn without pyplot (no global state: safe in a threaded
server) on matplotlib's Agg canvas, with the Noto CJK font so the Chinese labels render, 300 dpi, column wide,
with no timestamp or software name in the PNG's metadata, so that the same stored figures give the same bytes."""

from __future__ import annotations

import io

from django.conf import settings
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import MaxNLocator

from .bulletin_charts import Chart

# Series colours, the same on the page and in Word (ECharts' default palette: blue, green, yellow, red).
COLOURS = ("#5470c6", "#91cc75", "#fac858", "#ee6666")
DPI = 300
# The text column of an A4 page with GB/T 9704 margins is 156 mm; the chart is drawn at that width.
WIDTH_INCHES = 156 / 25.4
HEIGHT_INCHES = 3.2


def chart_font() -> font_manager.FontProperties:
    """The CJK font the charts are drawn in (settings.BULLETIN_CHART_FONT, a system font family)."""
    return font_manager.FontProperties(family=str(settings.BULLETIN_CHART_FONT))


def chart_font_available() -> bool:
    try:
        font_manager.findfont(chart_font(), fallback_to_default=False)
    except ValueError:
        return False
    return True


def chart_png(chart: Chart) -> bytes:
    """The chart as a 300 dpi PNG, column wide, its labels in Chinese."""
    font = chart_font()
    fig = MplFigure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    n = len(chart.series)
    xs = list(range(len(chart.categories)))
    if chart.kind == "bar":
        width = 0.8 / n
        for i, (name, data) in enumerate(chart.series):
            offset = (i - (n - 1) / 2) * width
            bars = ax.bar([x + offset for x in xs], data, width, label=name, color=COLOURS[i % len(COLOURS)])
            ax.bar_label(bars, fontsize=6, padding=1)
    else:
        for i, (name, data) in enumerate(chart.series):
            ax.plot(xs, data, marker="o", markersize=3, linewidth=1.2, label=name, color=COLOURS[i % len(COLOURS)])
    ax.set_xticks(xs, chart.categories, fontproperties=font, fontsize=8)
    if chart.kind == "bar" and len(chart.categories) > 6:
        for label in ax.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    top = max((max(d) for _n, d in chart.series if d), default=0)
    ax.set_ylim(0, max(top * 1.15, 1))
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", linewidth=0.4, alpha=0.5)
    legend_font = chart_font()
    legend_font.set_size(8)
    ax.legend(prop=legend_font, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=n)
    buf = io.BytesIO()
    # No "Software" or time in the PNG's metadata: the same figures draw the same bytes.
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()
