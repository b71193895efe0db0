/* Bar charts of the trade-in statistics with Chart.js (served from /vendor/chartjs). The data come
 * as JSON inside each <figure class="ti-chart">; without JavaScript or Chart.js the table stays. */
(function () {
  "use strict";
  var COLORS = ["#2e7d32", "#f9a825", "#98a2b3", "#1849a9", "#c62828"];

  function draw(figure) {
    var source = figure.querySelector("script.chart-data");
    var holder = figure.querySelector(".chart-canvas");
    if (!source || !holder) { return; }
    var data = JSON.parse(source.textContent);
    if (!data.labels.length) { return; }
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", data.title);
    holder.style.height = Math.max(220, 28 * data.labels.length + 80) + "px";
    holder.style.position = "relative";
    holder.appendChild(canvas);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (d, i) {
          return { label: d.label, data: d.data, backgroundColor: COLORS[i % COLORS.length] };
        })
      },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { position: "bottom" },
                   tooltip: { callbacks: { label: function (ctx) {
                     return ctx.dataset.label + "：" + ctx.parsed.x.toLocaleString("zh-CN") + " " + data.unit;
                   } } } },
        scales: { x: { stacked: !!data.stacked, title: { display: true, text: data.unit } },
                  y: { stacked: !!data.stacked } }
      }
    });
    figure.classList.add("drawn");
  }

  function drawAll() {
    if (!window.Chart) { return; }
    document.querySelectorAll("figure.ti-chart").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
