/* Draws the needed-vs-actual path of each target with Chart.js (served from /vendor/chartjs).
 * The data come as JSON inside each <figure class="chart">; without JavaScript, or without
 * Chart.js, the figure's table stays visible and says the same thing. */
(function () {
  "use strict";

  var COLORS = { needed: "#667085", actual: "#2e7d32", risk: "#c62828", forecast: "#f9a825" };

  function years(data) {
    var set = {};
    data.needed.forEach(function (p) { set[p.year] = true; });
    data.actual.forEach(function (p) { set[p.year] = true; });
    if (data.forecast) { set[data.forecast.year] = true; }
    return Object.keys(set).map(Number).sort(function (a, b) { return a - b; });
  }

  function series(labels, points) {
    var byYear = {};
    points.forEach(function (p) { byYear[p.year] = p.value; });
    return labels.map(function (y) { return y in byYear ? byYear[y] : null; });
  }

  /* A year known only from a year-to-date figure is drawn as a larger, hollow-looking point. */
  function radii(labels, points) {
    var estimated = {};
    points.forEach(function (p) { estimated[p.year] = p.estimated; });
    return labels.map(function (y) { return estimated[y] ? 5 : 3; });
  }

  function forecastSeries(labels, data) {
    if (!data.forecast || !data.actual.length) { return null; }
    var last = data.actual[data.actual.length - 1];
    return series(labels, [last, data.forecast]);
  }

  function draw(figure) {
    var source = figure.querySelector("script.chart-data");
    var holder = figure.querySelector(".chart-canvas");
    if (!source || !holder) { return; }
    var data = JSON.parse(source.textContent);
    var labels = years(data);
    var actualColor = data.at_risk ? COLORS.risk : COLORS.actual;
    var datasets = [
      { label: "需要路径", data: series(labels, data.needed), borderColor: COLORS.needed,
        borderDash: [6, 4], pointRadius: 2, spanGaps: true },
      { label: "实际", data: series(labels, data.actual), borderColor: actualColor, backgroundColor: actualColor,
        pointRadius: radii(labels, data.actual), spanGaps: true }
    ];
    var forecast = forecastSeries(labels, data);
    if (forecast) {
      datasets.push({ label: "预测", data: forecast, borderColor: COLORS.forecast, borderDash: [2, 3],
                      pointRadius: 3, spanGaps: true });
    }
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", data.title + "：需要路径与实际路径");
    holder.appendChild(canvas);
    new window.Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true, animation: false,
        plugins: { legend: { position: "bottom" },
                   tooltip: { callbacks: { label: function (ctx) {
                     return ctx.dataset.label + "：" + ctx.parsed.y.toLocaleString("zh-CN") + " " + data.unit;
                   } } } },
        scales: { y: { title: { display: true, text: data.unit } } }
      }
    });
    figure.classList.add("drawn");
  }

  function drawAll() {
    if (!window.Chart) { return; } /* no Chart.js: the tables remain */
    document.querySelectorAll("figure.chart").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
