"""The report's stylesheet, inlined into the page so the file stands alone."""

CSS = """
:root { --ink:#1f2430; --muted:#6b7280; --line:#e5e7eb; --bg:#f6f7f9; --card:#fff;
  --ok:#1f8a5b; --okbg:#e3f5ec; --warn:#9a6200; --warnbg:#fdf1d8; --bad:#b42318; --badbg:#fde8e6;
  --train:#3566d6; --heldout:#e0792b; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font:14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width:1180px; margin:0 auto; padding:28px 24px 60px; }
h1 { font-size:22px; margin:0 0 4px; letter-spacing:-.01em; }
h1 code { font-size:20px; }
h2 { font-size:16px; margin:32px 0 12px; }
h3 { font-size:13px; margin:0 0 8px; color:var(--muted); font-weight:600;
  text-transform:uppercase; letter-spacing:.04em; }
.sub { color:var(--muted); margin:0 0 18px; }
.sub b { color:var(--ink); font-weight:600; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit, minmax(145px, 1fr)); gap:12px; }
.kpi { background:var(--card); border:1px solid var(--line); border-radius:10px;
  padding:12px 14px; }
.kpi .k { color:var(--muted); font-size:12px; }
.kpi .v { font-size:20px; font-weight:650; margin-top:2px; }
.kpi .d { font-size:12px; color:var(--muted); }
.up { color:var(--ok); } .down { color:var(--bad); }
.meta { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; margin:16px 0 0;
  background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 16px; }
.meta dt { color:var(--muted); } .meta dd { margin:0; overflow-wrap:anywhere; }
.charts { display:grid; grid-template-columns:repeat(auto-fit, minmax(420px, 1fr)); gap:14px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px;
  padding:14px 16px; }
svg.chart { width:100%; height:auto; display:block;
  font-family:-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Arial, sans-serif; }
table.tasks { width:100%; border-collapse:collapse; background:var(--card);
  border:1px solid var(--line); border-radius:10px; overflow:hidden; }
table.tasks th { text-align:left; font-size:12px; color:var(--muted); font-weight:600;
  background:#fafbfc; border-bottom:1px solid var(--line); padding:8px 10px; }
table.tasks td { padding:8px 10px; vertical-align:top; }
tr.task td { border-top:1px solid var(--line); }
tr.detail td { padding-top:0; }
td.tid { font-family:ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:13px;
  overflow-wrap:anywhere; max-width:260px; }
.badge { display:inline-block; border-radius:999px; padding:1px 9px; font-size:12px;
  font-weight:600; white-space:nowrap; }
.badge.ok { color:var(--ok); background:var(--okbg); }
.badge.partial { color:var(--warn); background:var(--warnbg); }
.badge.bad { color:var(--bad); background:var(--badbg); }
.split { font-size:12px; padding:1px 8px; border-radius:6px; border:1px solid var(--line); }
.split.train { color:var(--train); } .split.heldout { color:var(--heldout); }
.score { font-weight:650; font-variant-numeric:tabular-nums; }
.gen { font-size:12px; } .gen.ok { color:var(--ok); }
.small { font-size:12px; } .muted { color:var(--muted); }
details summary { cursor:pointer; color:var(--muted); font-size:12px; user-select:none; }
details[open] summary { margin-bottom:8px; }
.panels { display:grid; grid-template-columns:repeat(auto-fit, minmax(300px, 1fr)); gap:10px; }
.panel { border:1px solid var(--line); border-radius:8px; padding:8px 10px; min-width:0; }
.panel-head { display:flex; gap:8px; align-items:center; margin-bottom:6px; font-size:13px; }
pre { margin:0; padding:8px 10px; background:#f6f8fa; border-radius:6px; overflow:auto;
  max-height:360px; font:12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  white-space:pre; }
pre.feedback { margin-top:6px; background:#fff8ec; white-space:pre-wrap; overflow-wrap:anywhere; }
pre.prompt { margin-bottom:10px; background:#f3f4fb; white-space:pre-wrap; max-height:160px; }
.cut { color:var(--muted); font-style:italic; }
details.config { margin-top:10px; }
footer { margin-top:36px; color:var(--muted); font-size:12px; }
@media (max-width: 720px) { .charts { grid-template-columns:1fr; } main { padding:16px 10px; } }
"""
