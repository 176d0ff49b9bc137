// The rule editor's preview: the fragment the server renders after "Preview" carries the
// firings per day as JSON; this draws them as bars with ECharts. Without it, the count and
// the table of firings still show.
(function () {
  "use strict";

  var chart = null;

  function draw() {
    var data = document.getElementById("preview-data");
    var node = document.getElementById("preview-chart");
    if (!data || !node || !window.echarts) return;
    var spec = JSON.parse(data.textContent);
    if (chart) chart.dispose();
    chart = window.echarts.init(node);
    chart.setOption({
      animation: false,
      grid: { left: 32, right: 8, top: 8, bottom: 24 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: spec.days, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", name: spec.label, data: spec.fired, itemStyle: { color: "#e8590c" } }],
    });
  }

  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target && e.target.id === "preview") draw();
  });
  window.addEventListener("resize", function () { if (chart) chart.resize(); });
})();
