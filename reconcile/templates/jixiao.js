"use strict";
(function () {
  // Filter findings by severity; project lines by "with findings only".
  function applyFilters() {
    var boxes = document.querySelectorAll("input[data-filter-severity]");
    var on = {};
    boxes.forEach(function (box) { on[box.getAttribute("data-filter-severity")] = box.checked; });
    var shown = 0, total = 0;
    document.querySelectorAll("article.finding[data-severity]").forEach(function (item) {
      var visible = on[item.getAttribute("data-severity")] !== false;
      item.classList.toggle("is-hidden", !visible);
      total += 1; if (visible) { shown += 1; }
    });
    var counter = document.getElementById("shown-count");
    if (counter) { counter.textContent = "显示 " + shown + " / " + total + " 条"; }
    var onlyFlagged = document.getElementById("only-flagged");
    document.querySelectorAll("tr[data-flagged]").forEach(function (row) {
      row.classList.toggle("is-hidden", !!(onlyFlagged && onlyFlagged.checked) && row.getAttribute("data-flagged") !== "1");
    });
    var onlyProblems = document.getElementById("only-problems");
    document.querySelectorAll("tr[data-status]").forEach(function (row) {
      var problem = row.getAttribute("data-problem") === "1";
      row.classList.toggle("is-hidden", !!(onlyProblems && onlyProblems.checked) && !problem);
    });
  }
  document.querySelectorAll("input[data-filter-severity], #only-flagged, #only-problems").forEach(function (box) {
    box.addEventListener("change", applyFilters);
  });
  applyFilters();

  // Sortable tables: click a header; numbers sort as numbers (data-sort), text by Chinese collation.
  var collator = new Intl.Collator("zh-CN", { numeric: true });
  function key(cell) {
    var raw = cell ? (cell.getAttribute("data-sort") !== null ? cell.getAttribute("data-sort") : cell.textContent.trim()) : "";
    var n = Number(raw);
    return raw !== "" && !isNaN(n) ? { n: n } : { s: raw };
  }
  function compare(a, b) {
    if (a.n !== undefined && b.n !== undefined) { return a.n - b.n; }
    if (a.n !== undefined) { return -1; }
    if (b.n !== undefined) { return 1; }
    return collator.compare(a.s, b.s);
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, column) {
      th.classList.add("sortable");
      th.setAttribute("tabindex", "0");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).map(function (row, i) { return { row: row, i: i }; });
        rows.sort(function (a, b) {
          var c = compare(key(a.row.cells[column]), key(b.row.cells[column]));
          return (ascending ? c : -c) || a.i - b.i;
        });
        rows.forEach(function (r) { body.appendChild(r.row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  });

  // A page crop enlarges to its full resolution on click, and back.
  document.querySelectorAll(".evidence figure").forEach(function (figure) {
    figure.addEventListener("click", function () { figure.classList.toggle("zoomed"); });
  });

  // Printing shows every collapsed section.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.setAttribute("open", ""); });
  });
})();
