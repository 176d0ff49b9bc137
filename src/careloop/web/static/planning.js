// The planning page's charts: each one's numbers come in a JSON script tag the server rendered
// (labels already in the viewer's wall clock); this draws the forecast with its band, the agents
// needed per interval and the rostered agents against the requirement (hours short in red),
// redraws when a control change brings new panels, shows only the chosen model's fields and
// resizes with the window.
(function () {
  "use strict";

  var charts = [];
  var still = window.matchMedia("(prefers-reduced-motion: reduce)");
  var colours = { actual: "#5f6b7a", expected: "#1f6feb", band: "#9ec5ff", scheduled: "#1f6feb",
    working: "#2f9e44", required: "#e8590c", rostered: "#2f9e44", short: "#c92a2a" };

  function words() {
    var node = document.getElementById("planning-words");
    return node ? JSON.parse(node.textContent) : {};
  }

  function base(spec, legend) {
    return {
      grid: { left: 8, right: 16, top: 36, bottom: 48, containLabel: true },
      legend: { top: 0, type: "scroll", data: legend },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: spec.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
    };
  }

  function forecast(spec, w) {
    var band = spec.upper.map(function (u, i) {
      return u == null || spec.lower[i] == null ? null : u - spec.lower[i];
    });
    var option = base(spec, [w.actual, w.expected, w.band]);
    option.tooltip.formatter = function (items) {
      var i = items[0].dataIndex;
      var lines = [spec.labels[i]];
      if (spec.actual[i] != null) lines.push(w.actual + ": " + spec.actual[i]);
      if (spec.expected[i] != null) {
        lines.push(w.expected + ": " + spec.expected[i].toFixed(1));
        lines.push(w.band + ": " + spec.lower[i] + " – " + spec.upper[i]);
      }
      return lines.join("<br>");
    };
    option.series = [
      { name: w.actual, type: "line", data: spec.actual, showSymbol: false,
        lineStyle: { width: 1.5 }, itemStyle: { color: colours.actual } },
      { name: "lower", type: "line", data: spec.lower, stack: "band", showSymbol: false,
        lineStyle: { opacity: 0 }, silent: true, tooltip: { show: false } },
      { name: w.band, type: "line", data: band, stack: "band", showSymbol: false,
        lineStyle: { opacity: 0 }, areaStyle: { color: colours.band, opacity: 0.6 },
        itemStyle: { color: colours.band } },
      { name: w.expected, type: "line", data: spec.expected, showSymbol: false,
        lineStyle: { width: 2 }, itemStyle: { color: colours.expected },
        markLine: spec.split ? { symbol: "none", silent: true, label: { show: false },
          lineStyle: { color: "#868e96", type: "dashed" }, data: [{ xAxis: spec.split }] } : undefined },
    ];
    return option;
  }

  function staffing(spec, w) {
    var option = base(spec, [w.scheduled, w.working]);
    option.series = [
      { name: w.scheduled, type: "line", step: "start", data: spec.scheduled, showSymbol: false,
        areaStyle: { opacity: 0.15 }, itemStyle: { color: colours.scheduled } },
      { name: w.working, type: "line", step: "start", data: spec.agents, showSymbol: false,
        lineStyle: { type: "dashed" }, itemStyle: { color: colours.working } },
    ];
    return option;
  }

  function coverage(spec, w) {
    // The shortfall sits on top of the rostered bar in red, so an hour nobody covers shows too.
    var gap = spec.required.map(function (need, i) {
      return spec.short[i] ? need - spec.rostered[i] : 0;
    });
    var option = base(spec, [w.rostered, w.short, w.required]);
    option.series = [
      { name: w.rostered, type: "bar", stack: "cover", barCategoryGap: "10%",
        itemStyle: { color: colours.rostered }, data: spec.rostered },
      { name: w.short, type: "bar", stack: "cover", itemStyle: { color: colours.short },
        data: gap },
      { name: w.required, type: "line", step: "middle", data: spec.required, showSymbol: false,
        lineStyle: { width: 2 }, itemStyle: { color: colours.required } },
    ];
    option.tooltip.formatter = function (items) {
      var i = items[0].dataIndex;
      var lines = [spec.labels[i], w.rostered + ": " + spec.rostered[i],
        w.required + ": " + spec.required[i]];
      if (spec.short[i]) {
        lines.push("<b style=\"color:" + colours.short + "\">" + w.short + ": " + gap[i] + "</b>");
      }
      return lines.join("<br>");
    };
    return option;
  }

  var builders = { forecast: forecast, staffing: staffing, coverage: coverage };

  function drawAll(root, animate) {
    if (!window.echarts) return;
    var w = words();
    Array.prototype.forEach.call(root.querySelectorAll("[data-chart]"), function (el) {
      var node = document.getElementById(el.getAttribute("data-chart"));
      if (!node) return;
      var spec = JSON.parse(node.textContent);
      if (!builders[spec.kind]) return;
      var chart = window.echarts.init(el);
      var option = builders[spec.kind](spec, w);
      option.animation = animate && !still.matches;
      chart.setOption(option);
      charts.push(chart);
    });
  }

  function disposeAll() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
  }

  function showModel() {
    var form = document.getElementById("planning-controls");
    if (!form) return;
    var model = form.elements.model.value;
    Array.prototype.forEach.call(form.querySelectorAll("[data-models]"), function (el) {
      el.hidden = el.getAttribute("data-models").split(" ").indexOf(model) < 0;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showModel();
    var form = document.getElementById("planning-controls");
    if (form) form.elements.model.addEventListener("change", showModel);
    drawAll(document, true);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "planning-panels" &&
        !event.detail.isError) disposeAll();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "planning-panels") {
      drawAll(event.detail.target, false);
    }
  });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 100);
  });
})();
