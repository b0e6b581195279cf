// Reporting and on-time rates per county or township (the tables on the page carry the same figures).
(function () {
  var el = document.getElementById("grid-chart");
  var src = document.getElementById("grid-chart-data");
  if (!el || !src) { return; }
  if (!window.echarts) { el.classList.add("d-none"); return; }
  var d = JSON.parse(src.textContent);
  echarts.init(el).setOption({
    tooltip: {trigger: "axis"}, legend: {bottom: 0},
    grid: {left: 40, right: 10, top: 20, bottom: 60},
    xAxis: {type: "category", data: d.names, axisLabel: {interval: 0, rotate: 30}},
    yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
    series: [
      {name: el.dataset.reporting, type: "bar", data: d.reporting},
      {name: el.dataset.onTime, type: "bar", data: d.on_time}
    ]
  });
})();
