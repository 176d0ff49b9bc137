// The dashboards' charts: each panel's numbers come in a JSON script tag the server rendered
// (values, formatted text, the drill-down address of every point); this draws them with
// ECharts, opens the grid behind a bar, slice, point or country on click, redraws after the
// panels' periodic refresh and resizes with the window. Without it, the tables still link.
(function () {
  "use strict";

  var charts = [];
  var still = window.matchMedia("(prefers-reduced-motion: reduce)");
  var worldReady = null;
  var palette = ["#1f6feb", "#e8590c", "#2f9e44", "#ae3ec9", "#f59f00", "#0c8599", "#c92a2a",
    "#5c7cfa", "#868e96"];

  function words() {
    var node = document.getElementById("insights-words");
    return node ? JSON.parse(node.textContent) : { s: "s", min: "min", h: "h", d: "d" };
  }

  function escape(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function axisLabel(unit) {
    var w = words();
    var lang = document.documentElement.lang || "en";
    return function (v) {
      if (unit === "ratio") return Math.round(v * 1000) / 10 + "%";
      if (unit === "seconds") {
        if (v < 60) return v + " " + w.s;
        if (v < 3600) return Math.round(v / 60) + " " + w.min;
        if (v < 86400) return Math.round(v / 360) / 10 + " " + w.h;
        return Math.round(v / 8640) / 10 + " " + w.d;
      }
      return Number(v).toLocaleString(lang);
    };
  }

  function tooltip(params) {
    var d = params.data || {};
    if (d.value == null || d.value === "-") return escape(d.title || params.name);
    var head = d.title || params.name;
    var series = params.seriesType === "bar" && params.seriesName ? params.seriesName : "";
    return escape(head) + "<br>" + (series ? escape(series) + ": " : "") + "<b>" + escape(d.text) + "</b>";
  }

  function item(p, name) {
    if (!p) return { value: "-" };
    return {
      name: name,
      value: p.value == null ? "-" : p.value,
      text: p.text,
      url: p.url,
      title: p.label,
    };
  }

  function cartesian(spec) {
    var labels = spec.points.map(function (p) { return p.label; });
    var horizontal = spec.kind === "hbar";
    var category = { type: "category", data: labels, axisLabel: { hideOverlap: true } };
    var value = { type: "value", axisLabel: { formatter: axisLabel(spec.unit) } };
    if (spec.unit === "ratio") value.max = function (e) { return Math.min(1, Math.max(e.max, 0.01)); };
    if (horizontal) {
      category.inverse = true;
      category.axisLabel.width = 120;
      category.axisLabel.overflow = "truncate";
    }
    return {
      color: palette,
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "item", formatter: tooltip },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [{
        type: spec.kind === "line" ? "line" : "bar",
        name: spec.name,
        data: spec.points.map(function (p) { return item(p, p.label); }),
        connectNulls: false,
        symbolSize: 8,
        barMaxWidth: 28,
        areaStyle: spec.kind === "line" ? { opacity: 0.12 } : undefined,
      }],
    };
  }

  function stack(spec) {
    return {
      color: palette,
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      legend: { type: "scroll", top: 0 },
      tooltip: { trigger: "item", formatter: tooltip },
      xAxis: { type: "category", data: spec.categories, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", axisLabel: { formatter: axisLabel(spec.unit) } },
      series: spec.series.map(function (s) {
        return {
          type: "bar", stack: "all", name: s.name, barMaxWidth: 36,
          data: s.points.map(function (p) { return item(p, s.name); }),
        };
      }),
    };
  }

  function pie(spec) {
    return {
      color: palette,
      tooltip: { trigger: "item", formatter: tooltip },
      legend: { type: "scroll", bottom: 0 },
      series: [{
        type: "pie", name: spec.name, radius: ["38%", "68%"], center: ["50%", "45%"],
        label: { formatter: "{b}" },
        data: spec.points.map(function (p) { return item(p, p.label); }),
      }],
    };
  }

  function map(spec) {
    return {
      tooltip: { trigger: "item", formatter: tooltip },
      visualMap: {
        min: 0, max: spec.max || 1, calculable: true, left: 8, bottom: 8, itemHeight: 90,
        inRange: { color: ["#dbe8ff", "#1f6feb", "#0b2e6b"] },
        formatter: axisLabel(spec.unit),
      },
      series: [{
        type: "map", map: "world", name: spec.name, roam: true, zoom: 1.15,
        emphasis: { label: { show: false } },
        itemStyle: { areaColor: "#eef1f5", borderColor: "#aab3c0", borderWidth: 0.4 },
        data: spec.points.map(function (p) { return item(p, p.name); }),
      }],
    };
  }

  var builders = { bar: cartesian, hbar: cartesian, line: cartesian, stack: stack, pie: pie, map: map };

  function world() {
    if (!worldReady) {
      worldReady = fetch("/insights/world.json", { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (shapes) { window.echarts.registerMap("world", shapes); });
    }
    return worldReady;
  }

  function draw(el, animate) {
    var node = document.getElementById(el.getAttribute("data-chart"));
    if (!node) return;
    var spec = JSON.parse(node.textContent);
    var start = spec.kind === "map" ? world() : Promise.resolve();
    start.then(function () {
      if (!el.isConnected) return;
      var chart = window.echarts.init(el);
      var option = builders[spec.kind](spec);
      option.animation = animate && !still.matches;
      chart.setOption(option);
      chart.on("click", function (params) {
        var d = params.data;
        if (d && d.url) window.location.assign(d.url);
      });
      charts.push(chart);
    });
  }

  function drawAll(root, animate) {
    if (!window.echarts) return;
    Array.prototype.forEach.call(root.querySelectorAll("[data-chart]"), function (el) {
      draw(el, animate);
    });
  }

  function disposeAll() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
  }

  function periodForm() {
    var form = document.getElementById("insights-filters");
    if (!form) return;
    var period = form.elements.period;
    var dates = [form.elements.from, form.elements.to];
    period.addEventListener("change", function () {
      if (period.value) dates.forEach(function (d) { d.value = ""; });
    });
    dates.forEach(function (d) {
      d.addEventListener("change", function () { if (d.value) period.value = ""; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    periodForm();
    drawAll(document, true);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "insights-live") disposeAll();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "insights-live") {
      drawAll(event.detail.target, false);
    }
  });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 100);
  });
})();
