// Sort a table by a column when its header is clicked (tables marked data-sortable). Without JavaScript the
// table keeps the server's order.
(function () {
  "use strict";
  function sortBy(table, column, numeric, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.value || a.cells[column].textContent.trim();
      var y = b.cells[column].dataset.value || b.cells[column].textContent.trim();
      var result = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, document.documentElement.lang);
      return descending ? -result : result;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table[data-sortable]").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (th, column) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "sort";
        button.textContent = th.textContent;
        th.textContent = "";
        th.appendChild(button);
        th.setAttribute("aria-sort", "none");
        button.addEventListener("click", function () {
          var descending = th.getAttribute("aria-sort") === "ascending";
          table.querySelectorAll("thead th").forEach(function (other) { other.setAttribute("aria-sort", "none"); });
          th.setAttribute("aria-sort", descending ? "descending" : "ascending");
          sortBy(table, column, th.dataset.sort === "number", descending);
        });
      });
    });
  });
})();

// Find a unit among many compared ones (a .unit-finder above a comparison): typing part of a name, with or
// without Vietnamese accents, or choosing a former district keeps the matching rows of the table and
// highlights their points on the funnel plot; the others are hidden (rows) or faded (points). Pointing at a
// row highlights its point too.
(function () {
  "use strict";
  function plain(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }
  function mark(section, codes) {
    var chart = section.querySelector(".chart.funnel svg");
    if (!chart) { return; }
    chart.classList.toggle("filtering", codes !== null);
    chart.querySelectorAll("[data-unit]").forEach(function (point) {
      point.classList.toggle("match", codes !== null && codes.indexOf(point.dataset.unit) >= 0);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".unit-finder").forEach(function (finder) {
      var section = document.getElementById(finder.dataset.finder);
      var input = finder.querySelector("[data-find]");
      var group = finder.querySelector("[data-group-filter]");
      var found = finder.querySelector("[data-found]");
      var rows = Array.prototype.slice.call(section.querySelectorAll("table[data-sortable] tbody tr[data-unit]"));
      var total = found.textContent;
      function apply() {
        var words = plain(input.value).split(" ").filter(Boolean);
        var area = group ? group.value : "";
        if (!words.length && !area) {
          rows.forEach(function (row) { row.hidden = false; });
          found.textContent = total;
          mark(section, null);
          return;
        }
        var codes = [];
        rows.forEach(function (row) {
          var name = plain(row.dataset.name || "");
          var ok = (!area || row.dataset.group === area) && words.every(function (w) { return name.indexOf(w) >= 0; });
          row.hidden = !ok;
          if (ok) { codes.push(row.dataset.unit); }
        });
        found.textContent = codes.length + " / " + rows.length;
        mark(section, codes);
      }
      input.addEventListener("input", apply);
      if (group) { group.addEventListener("change", apply); }
      rows.forEach(function (row) {
        function point(on) {
          var chart = section.querySelector(".chart.funnel svg");
          var target = chart && chart.querySelector('[data-unit="' + row.dataset.unit + '"]');
          if (target) { target.classList.toggle("pointed", on); }
        }
        row.addEventListener("mouseenter", function () { point(true); });
        row.addEventListener("mouseleave", function () { point(false); });
        row.addEventListener("focusin", function () { point(true); });
        row.addEventListener("focusout", function () { point(false); });
      });
    });
  });
})();
