"""The inline-SVG chart primitives: ticks, degenerate data, escaping."""

from __future__ import annotations

from forge.report import svg


def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    ticks = svg.nice_ticks(0.81, 1.94)
    assert ticks[0] <= 0.81 and ticks[-1] >= 1.94
    assert ticks == [0.5, 1.0, 1.5, 2.0]
    assert svg.nice_ticks(3.0, 3.0) == [3.0, 3.25, 3.5, 3.75, 4.0]


def test_line_chart_drops_non_finite_points() -> None:
    pts = [(1.0, 2.0), (2.0, float("nan")), (3.0, float("inf")), (4.0, 1.0)]
    out = svg.line_chart("loss", [svg.Series("loss", pts, "#000")], "iteration")
    assert "nan" not in out.lower() and "inf" not in out.lower()
    assert out.count("<polyline") == 1
    nothing = svg.line_chart("loss", [svg.Series("loss", [(1.0, float("nan"))], "#000")], "it")
    assert "no data" in nothing


def test_labels_are_escaped() -> None:
    evil = "<script>x</script>"
    outs = [
        svg.line_chart(evil, [svg.Series(evil, [(0.0, 0.5), (1.0, 1.0)], "#000")], evil),
        svg.grouped_bars(evil, [evil], [(evil, "#000")], [[0.5]], [[evil]]),
        svg.hbars(evil, [(evil, 1.0, "#000")], lambda v: evil),
        svg.stacked_bars(evil, [evil], [(evil, "#000")], [[3]]),
        svg.empty(evil, evil),
    ]
    for out in outs:
        assert out.startswith("<svg") and "<script" not in out and "&lt;script&gt;" in out


def test_degenerate_inputs_draw_placeholders() -> None:
    assert "no timings" in svg.hbars("t", [], str)
    assert "no candidates" in svg.stacked_bars("v", ["a"], [("passed", "#0f0")], [[0]])
    zero = svg.hbars("t", [("a", 0.0, "#000")], str)
    assert 'width="1.0"' in zero  # a zero bar is still visible, no division by zero
