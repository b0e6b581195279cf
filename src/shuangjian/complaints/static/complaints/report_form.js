// The report form's institution picker: typing a name offers registered institutions from the public search
// (/api/v1/public/institutions); picking one fills its USCC. Without script the typed name is sent as it is.
(function () {
  "use strict";
  var name = document.getElementById("id_institution_name");
  var uscc = document.getElementById("id_institution_uscc");
  var list = document.getElementById("institution-picker");
  if (!name || !uscc || !list) { return; }
  var timer = null;
  var last = "";
  function clear() { while (list.firstChild) { list.removeChild(list.firstChild); } }
  function show(results) {
    clear();
    results.forEach(function (r) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "list-group-item list-group-item-action small";
      button.textContent = r.name + "（" + r.uscc + "）";
      button.addEventListener("click", function () {
        name.value = r.name;
        uscc.value = r.uscc;
        clear();
      });
      list.appendChild(button);
    });
  }
  name.addEventListener("input", function () {
    var q = name.value.trim();
    uscc.value = "";
    if (timer) { clearTimeout(timer); }
    if (q.length < 2) { clear(); return; }
    timer = setTimeout(function () {
      if (q === last) { return; }
      last = q;
      fetch("/api/v1/public/institutions?q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}})
        .then(function (resp) { return resp.ok ? resp.json() : {results: []}; })
        .then(function (data) { if (name.value.trim() === q) { show((data.results || []).slice(0, 6)); } })
        .catch(function () { clear(); });
    }, 300);
  });
})();
