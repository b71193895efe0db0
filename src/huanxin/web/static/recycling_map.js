// Recycling maps (coverage, the dispatcher's routes): every <div class="rc-map" data-src="URL">
// is drawn with ECharts (served by the app, no CDN, no online tiles) from the JSON at URL:
// {boundary: GeoJSON Feature|FeatureCollection|null, sites: [{name, level_label, lat, lon}],
//  points: [{name, lat, lon, kind, label}], routes: [{name, color, path: [[lon, lat], ...]}],
//  gaps: [{name, lat, lon, label}]}. Without tiles the map is a plain lon/lat plane.
(function () {
  "use strict";

  function rings(boundary) {
    if (!boundary) return [];
    var features = boundary.type === "FeatureCollection" ? boundary.features : [boundary];
    var out = [];
    features.forEach(function (f) {
      var g = f.geometry || f;
      if (g.type === "Polygon") out.push.apply(out, g.coordinates);
      if (g.type === "MultiPolygon") g.coordinates.forEach(function (p) { out.push.apply(out, p); });
    });
    return out;
  }

  // The city's counties (orgs/boundary.py) or, where no boundary data is held, the outline of what
  // was imported: the legend says which, so nobody reads the second as the city's border.
  function boundaryName(boundary) {
    var first = boundary && (boundary.type === "FeatureCollection" ? boundary.features[0] : boundary);
    return first && first.properties && first.properties.kind === "boundary" ? "行政边界（区县）" : "导入范围（示意）";
  }

  function scatter(name, items, color, size, symbol) {
    return {
      name: name, type: "scatter", symbol: symbol || "circle", symbolSize: size, itemStyle: { color: color },
      data: items.map(function (p) { return { value: [p.lon, p.lat], name: p.name, label_: p.label || p.level_label || "" }; }),
    };
  }

  function option(data) {
    var series = [];
    var outline = boundaryName(data.boundary);
    rings(data.boundary).forEach(function (ring, i) {
      series.push({ name: i === 0 ? outline : "", type: "line", data: ring, symbol: "none", silent: true,
                    lineStyle: { color: "#999", type: "dashed" }, itemStyle: { color: "#999" } });
    });
    (data.routes || []).forEach(function (r) {
      series.push({ name: r.name, type: "line", data: r.path, symbol: "circle", symbolSize: 4,
                    lineStyle: { color: r.color, width: 3 }, itemStyle: { color: r.color } });
    });
    series.push(scatter("街道社区", data.points || [], "#8fa9c8", 6, "diamond"));
    series.push(scatter("站点", data.sites || [], "#2f7d32", 10));
    series.push(scatter("缺口", data.gaps || [], "#d32f2f", 16, "pin"));
    return {
      animation: false,
      tooltip: { trigger: "item", formatter: function (p) {
        var d = p.data || {};
        return (d.name || p.seriesName) + (d.label_ ? "<br>" + d.label_ : "");
      } },
      legend: { top: 0, data: (rings(data.boundary).length ? [outline] : []).concat(["站点", "街道社区", "缺口"]).concat((data.routes || []).map(function (r) { return r.name; })) },
      grid: { left: 60, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "value", scale: true, name: "经度", axisLabel: { formatter: function (v) { return v.toFixed(3); } } },
      yAxis: { type: "value", scale: true, name: "纬度", axisLabel: { formatter: function (v) { return v.toFixed(3); } } },
      dataZoom: zoom(data),
      series: series,
    };
  }

  // A day's routes span a few kilometres of a city drawn whole: open on the routes (wheel or pinch
  // zooms out to the city); filterMode "none" keeps lines that leave the window drawn.
  function zoom(data) {
    var xs = [], ys = [];
    (data.routes || []).forEach(function (r) { r.path.forEach(function (p) { xs.push(p[0]); ys.push(p[1]); }); });
    var x = { type: "inside", xAxisIndex: 0, filterMode: "none" }, y = { type: "inside", yAxisIndex: 0, filterMode: "none" };
    if (xs.length) {
      var padX = Math.max(0.01, (Math.max.apply(null, xs) - Math.min.apply(null, xs)) * 0.15);
      var padY = Math.max(0.01, (Math.max.apply(null, ys) - Math.min.apply(null, ys)) * 0.15);
      x.startValue = Math.min.apply(null, xs) - padX; x.endValue = Math.max.apply(null, xs) + padX;
      y.startValue = Math.min.apply(null, ys) - padY; y.endValue = Math.max.apply(null, ys) + padY;
    }
    return [x, y];
  }

  function draw(el) {
    if (typeof echarts === "undefined") { el.textContent = "地图组件未加载。"; return; }
    fetch(el.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        var chart = echarts.init(el);
        chart.setOption(option(data));
        window.addEventListener("resize", function () { chart.resize(); });
      })
      .catch(function () { el.textContent = "地图数据读取失败，请刷新页面重试。"; });
  }

  function start() { document.querySelectorAll(".rc-map[data-src]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
