// Tables sortable by any column without a page reload. The header links also work without JavaScript (the server
// sorts by ?sort=…&dir=…); here a click sorts the rows in place by each cell's data-value.
(function () {
  "use strict";
  function value(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell ? (cell.getAttribute("data-value") || cell.textContent || "").trim() : "";
    if (!numeric) return raw;
    return raw === "" ? null : parseFloat(raw);
  }
  function sort(table, index, numeric, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, index, numeric), y = value(b, index, numeric);
      if (x === null || x === "") return (y === null || y === "") ? 0 : 1; // empty cells last
      if (y === null || y === "") return -1;
      var order = numeric ? x - y : String(x).localeCompare(String(y), "ru", { numeric: true, sensitivity: "base" });
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  function bind() {
    document.querySelectorAll("table.sortable:not([data-sortable-ready])").forEach(function (table) {
    table.setAttribute("data-sortable-ready", "1");
    table.querySelectorAll("thead th a[data-sort]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var th = link.parentNode;
        var descending = th.getAttribute("aria-sort") === "ascending";
        table.querySelectorAll("thead th").forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        sort(table, parseInt(link.getAttribute("data-sort"), 10), link.hasAttribute("data-numeric"), descending);
        if (window.history && window.history.replaceState) {
          var url = new URL(link.href, window.location.href);
          url.searchParams.set("dir", descending ? "desc" : "asc");
          window.history.replaceState(null, "", url.pathname + url.search + url.hash);
        }
      });
    });
    });
  }
  bind();
  document.addEventListener("htmx:afterSwap", bind); // a region run's page swaps its table in when it finishes
})();
