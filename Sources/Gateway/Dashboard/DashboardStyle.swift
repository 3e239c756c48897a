/// The dashboard's one stylesheet: plain CSS, served from `/dashboard/style.css`.
enum DashboardStyle {
    static let css = """
        :root { --ink: #1d2330; --muted: #5d6675; --line: #dfe3ea; --accent: #2f6fdb; --bad: #b3261e; --good: #2e7d4f; --warn: #a66300; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
        a { color: var(--accent); }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 20px; padding: 10px 20px; background: #fff; border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; font-size: 18px; color: var(--ink); text-decoration: none; }
        nav { display: flex; flex-wrap: wrap; gap: 4px 14px; flex: 1 1 auto; }
        @media (max-width: 640px) { nav { order: 3; flex-basis: 100%; } form.logout { margin-left: auto; } }
        nav a { text-decoration: none; padding: 4px 2px; border-bottom: 2px solid transparent; }
        nav a[aria-current="page"] { color: var(--ink); border-bottom-color: var(--accent); font-weight: 600; }
        main { max-width: 1200px; margin: 0 auto; padding: 16px 20px 40px; }
        h1 { font-size: 24px; margin: 8px 0 12px; overflow-wrap: anywhere; }
        h2 { font-size: 18px; margin: 28px 0 8px; }
        h3 { font-size: 16px; margin: 16px 0 4px; }
        .muted { color: var(--muted); }
        .notice { background: #fff8e1; border: 1px solid #f0d98a; padding: 8px 12px; border-radius: 6px; }
        form.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; margin: 8px 0 16px; }
        label { font-weight: 600; }
        input, select, button { font: inherit; padding: 5px 8px; border: 1px solid #b9c0cc; border-radius: 5px; background: #fff; max-width: 100%; }
        button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
        form.logout button, form.inline button { background: #fff; color: var(--bad); border-color: #e2b4b0; }
        form.inline { display: inline; margin: 0; }
        form.login { display: grid; gap: 8px; max-width: 360px; background: #fff; padding: 20px; border: 1px solid var(--line); border-radius: 8px; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 10px; margin: 12px 0; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; display: flex; flex-direction: column; }
        .card span { color: var(--muted); font-size: 13px; }
        .card strong { font-size: 20px; overflow-wrap: anywhere; }
        .growth { font-size: 13px; color: var(--muted); }
        .growth.up { color: var(--good); }
        .growth.down { color: var(--bad); }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); gap: 12px; margin: 12px 0; }
        figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px; }
        svg.chart { width: 100%; max-width: 760px; height: auto; display: block; margin: 0 auto; font-size: 13px; fill: var(--ink); }
        svg .chart-title { font-weight: 700; font-size: 14px; }
        svg .tick { fill: var(--muted); font-size: 12px; }
        @media (max-width: 640px) { svg.chart { font-size: 16px; } svg .tick { font-size: 15px; } svg .chart-title { font-size: 17px; } }
        .table { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
        thead th { background: #f0f2f5; font-size: 13px; }
        tbody th { font-weight: 600; }
        tr.failed td, tr.runaway td { background: #fdf1f0; }
        .flag { color: #fff; background: var(--bad); border-radius: 4px; padding: 1px 6px; font-size: 12px; }
        .warn { color: var(--warn); font-weight: 600; }
        .ok { color: var(--good); }
        dl.record { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; padding: 12px; border: 1px solid var(--line); border-radius: 8px; }
        dl.record dt { font-weight: 600; }
        dl.record dd { margin: 0; overflow-wrap: anywhere; }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
        """
}
