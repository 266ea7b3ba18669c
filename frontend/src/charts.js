// charts.js: draws the dashboard's and the budget page's charts with Apache
// ECharts. Loaded only on pages that have charts (the server passes
// "charts.js" to render); every other page stays light.
//
// A chart is any element with a data-chart attribute holding a JSON spec
// written by the server (internal/web/chart/spec.go):
//
//   {"type": "bar" | "line" | "gauge",
//    "title": "…",                       accessible name (also on the element)
//    "labels": ["…"],                    categories (x axis; y when horizontal)
//    "series": [{"name": "…", "data": [1, 2], "stack": "s", "color": "#…", "area": true, "dashed": true}],
//    "horizontal": true, "unit": "%", "min": 0, "max": 100,
//    "currency": "CNY",                   values are money: ¥25,000 in the page's language
//    "mark": {"value": 100, "name": "Target"},            a dashed reference line
//    "value": 72, "bands": [[0.5, "#dc2626"], …]}         gauge
//
// Only the parts of ECharts used here are imported (tree-shaken by esbuild),
// and the SVG renderer draws, so charts print as they look. Each drawn
// element gets data-drawn="1". The figures are also in a table right after
// each chart, for reading and for screen readers, so the chart itself is
// hidden from them (the element carries role="img" and an aria-label).
//
// Every category is named (wrapped, or turned and shortened with "…" and
// named in full by the tooltip); count axes step by whole numbers; values
// carry thousands separators and money its currency; a chart with nothing
// to show says so (the text of its data-empty attribute) instead of
// drawing empty axes.
import * as echarts from "echarts/core";
import { BarChart, LineChart, GaugeChart } from "echarts/charts";
import {
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
} from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  LineChart,
  GaugeChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
  SVGRenderer,
]);

(function () {
  "use strict";

  var palette = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#64748b"];
  var text = "#334155";
  var grid = "#e2e8f0";

  var lang = document.documentElement.lang || "en";

  // format writes an axis's or a tooltip's value in the page's language:
  // thousands separators, the unit after it, money with its currency.
  function format(spec, tooltip) {
    var opts = { maximumFractionDigits: 2 };
    if (spec.currency) {
      opts = { style: "currency", currency: spec.currency, maximumFractionDigits: tooltip ? 2 : 0, minimumFractionDigits: tooltip ? 2 : 0 };
    }
    var nf;
    try {
      nf = new Intl.NumberFormat(lang, opts);
    } catch (e) {
      nf = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
    }
    return function (v) {
      if (typeof v !== "number") return v == null ? "" : String(v);
      var s = nf.format(v);
      return spec.unit ? s + spec.unit : s;
    };
  }

  // counts reports whether every figure is a whole number (requests, days,
  // milestones): their axis then never shows 0.5 of one.
  function counts(spec) {
    return (spec.series || []).every(function (s) {
      return (s.data || []).every(function (v) {
        return Math.round(v) === v;
      });
    });
  }

  // empty: no category, or nothing but zeros — an empty state, not empty axes.
  function empty(spec) {
    if (spec.type === "gauge") return spec.value == null;
    if (!(spec.labels || []).length) return true;
    return !(spec.series || []).some(function (s) {
      return (s.data || []).some(function (v) { return v; });
    });
  }

  var measure;
  function textWidth(s) {
    if (!measure) measure = document.createElement("canvas").getContext("2d");
    measure.font = "12px " + getComputedStyle(document.body).fontFamily;
    return measure.measureText(s).width;
  }

  // categoryLabels shows every category's name: wrapped under its bar when
  // there is room, else turned and shortened with "…" (the tooltip names it
  // in full). Long series of dates (weeks) keep ECharts' own spacing.
  function categoryLabels(spec, width) {
    var labels = spec.labels || [];
    var label = { color: text, interval: 0, hideOverlap: false };
    if (labels.length > 14) return { color: text, hideOverlap: true };
    var longest = labels.reduce(function (m, l) { return Math.max(m, textWidth(l)); }, 0);
    if (spec.horizontal) {
      label.width = Math.max(60, Math.min(180, Math.round(width * 0.38)));
      label.overflow = "truncate";
      label.ellipsis = "…";
      return label;
    }
    var per = Math.floor((width - 70) / Math.max(1, labels.length)) - 6;
    if (longest <= per) return label;
    // Wrap only between words: a word wider than its bar would be cut in two.
    var longestWord = labels.reduce(function (m, l) {
      return l.split(/\s+/).reduce(function (w, word) {
        return Math.max(w, /[\u3000-\u9fff]/.test(word) ? textWidth(word.slice(0, 2)) : textWidth(word));
      }, m);
    }, 0);
    if (per >= 56 && longestWord <= per) {
      label.width = per;
      label.overflow = "break";
      label.lineHeight = 14;
      return label;
    }
    label.rotate = 35;
    label.width = width < 480 ? 84 : 120;
    label.overflow = "truncate";
    label.ellipsis = "…";
    return label;
  }

  function mark(spec) {
    if (!spec.mark) return undefined;
    return {
      silent: true,
      symbol: "none",
      lineStyle: { color: "#16a34a", type: "dashed" },
      label: { formatter: spec.mark.name || "", color: "#15803d", position: "insideEndTop" },
      data: [spec.horizontal ? { xAxis: spec.mark.value } : { yAxis: spec.mark.value }],
    };
  }

  function cartesian(spec, el) {
    var category = {
      type: "category",
      data: spec.labels || [],
      axisLabel: categoryLabels(spec, el.clientWidth || 600),
      axisLine: { lineStyle: { color: "#94a3b8" } },
    };
    var value = {
      type: "value",
      min: spec.min,
      max: spec.max,
      minInterval: counts(spec) ? 1 : undefined,
      axisLabel: { color: text, formatter: format(spec, false), hideOverlap: true },
      splitLine: { lineStyle: { color: grid } },
    };
    var series = (spec.series || []).map(function (s, i) {
      var out = {
        type: spec.type,
        name: s.name,
        data: s.data,
        stack: s.stack,
        itemStyle: { color: s.color || palette[i % palette.length] },
        emphasis: { disabled: true },
      };
      if (spec.type === "line") {
        out.showSymbol = (s.data || []).length <= 40;
        out.lineStyle = { color: s.color || palette[i % palette.length], type: s.dashed ? "dashed" : "solid" };
        if (s.area) out.areaStyle = { opacity: 0.12 };
        if (s.step) out.step = "end";
      } else {
        out.barMaxWidth = 36;
      }
      if (i === 0) out.markLine = mark(spec);
      return out;
    });
    var named = series.length > 1 || (spec.series && spec.series[0] && spec.series[0].legend);
    return {
      animation: false,
      color: palette,
      tooltip: { trigger: "axis", valueFormatter: format(spec, true), confine: true },
      legend: named ? { top: 0, textStyle: { color: text } } : undefined,
      grid: { left: 8, right: 24, top: named ? 34 : 16, bottom: 8, containLabel: true },
      xAxis: spec.horizontal ? value : category,
      yAxis: spec.horizontal ? Object.assign(category, { inverse: true }) : value,
      series: series,
    };
  }

  function gauge(spec) {
    var max = spec.max || 100;
    return {
      animation: false,
      series: [
        {
          type: "gauge",
          min: 0,
          max: max,
          startAngle: 200,
          endAngle: -20,
          radius: "95%",
          center: ["50%", "62%"],
          axisLine: {
            lineStyle: {
              width: 14,
              color: spec.bands || [
                [0.5, "#dc2626"],
                [0.8, "#d97706"],
                [1, "#16a34a"],
              ],
            },
          },
          pointer: { width: 5, itemStyle: { color: "#334155" } },
          axisTick: { show: false },
          splitLine: { length: 10, lineStyle: { color: "#fff", width: 2 } },
          axisLabel: { color: text, distance: 18, fontSize: 10 },
          detail: { valueAnimation: false, fontSize: 26, color: "#0f172a", offsetCenter: [0, "35%"] },
          title: { show: false },
          data: [{ value: spec.value, name: spec.title }],
        },
      ],
    };
  }

  var builders = { bar: cartesian, line: cartesian, gauge: gauge };
  var drawn = [];

  function draw(el) {
    var spec;
    try {
      spec = JSON.parse(el.getAttribute("data-chart"));
    } catch (e) {
      return;
    }
    var build = builders[spec.type];
    if (!build) return;
    if (empty(spec)) {
      var p = document.createElement("p");
      p.className = "chart-empty";
      p.textContent = el.getAttribute("data-empty") || "";
      el.appendChild(p);
      el.classList.add("is-empty");
      el.removeAttribute("role");
      el.setAttribute("data-drawn", "1");
      return;
    }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(build(spec, el));
    el.setAttribute("data-drawn", "1");
    drawn.push({ chart: chart, el: el, spec: spec, build: build });
  }

  function drawAll() {
    var els = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < els.length; i++) draw(els[i]);
  }

  var timer;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      drawn.forEach(function (d) {
        d.chart.setOption(d.build(d.spec, d.el));
        d.chart.resize();
      });
    }, 150);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
