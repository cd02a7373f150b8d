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
