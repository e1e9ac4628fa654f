"use strict";
(function () {
  // Filter findings by severity; project lines by "with findings only".
  function applyFilters() {
    var boxes = document.querySelectorAll("input[data-filter-severity]");
    var on = {};
    boxes.forEach(function (box) { on[box.getAttribute("data-filter-severity")] = box.checked; });
    var onlyOpen = document.getElementById("only-open");
    var shown = 0, total = 0;
    document.querySelectorAll("article.finding[data-severity]").forEach(function (item) {
      var visible = on[item.getAttribute("data-severity")] !== false &&
        !(onlyOpen && onlyOpen.checked && item.classList.contains("decided"));
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
  document.querySelectorAll("input[data-filter-severity], #only-flagged, #only-problems, #only-open").forEach(function (box) {
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

  // Review decisions: confirm or dismiss each finding, export them all as a reviews file.
  var block = document.getElementById("jixiao-reviews");
  if (block) { reviewing(JSON.parse(block.textContent), document.getElementById("review-bar")); }

  function reviewing(data, bar) {
    var WORDS = { confirmed: "已确认", dismissed: "已排除" };
    // The page's decisions come from its data block; those made here since are kept in this
    // browser by the report's SHA-256, each with the file's decision it replaced: once the file's
    // decision changes, the one kept here is stale and the file's wins.
    var sha = bar ? bar.getAttribute("data-sha256") : "";
    var fromFile = data.decisions || {};
    var kept = stored("jixiao-reviews:" + sha) || {};
    var decisions = {};
    var articles = {};
    document.querySelectorAll("article.finding[data-finding-id]").forEach(function (article) {
      articles[article.getAttribute("data-finding-id")] = article;
    });
    data.ids.forEach(function (id) {
      var mine = kept[id];
      if (mine && mine.base !== same(fromFile[id])) { mine = null; }
      var review = mine ? mine.review : fromFile[id];
      if (review) { decisions[id] = review; }
    });
    keep();

    function same(review) { return JSON.stringify(review || null); }
    function stored(key) {
      try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
    }
    function store(key, value) {  // nothing to keep: nothing stored
      try {
        if (value && typeof value === "object" && !Object.keys(value).length) { window.localStorage.removeItem(key); }
        else { window.localStorage.setItem(key, JSON.stringify(value)); }
      } catch (e) { /* storage refused (private mode, file:// policy): decisions last as long as the page */ }
    }
    function keep() {  // what differs from the file, with the file's decision it replaced
      var mine = {};
      data.ids.forEach(function (id) {
        if (same(decisions[id]) !== same(fromFile[id])) {
          mine[id] = { review: decisions[id] || null, base: same(fromFile[id]) };
        }
      });
      if (sha) { store("jixiao-reviews:" + sha, mine); }
    }
    function today() {
      var d = new Date();
      return d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2);
    }
    var reviewer = document.getElementById("reviewer");
    if (reviewer) {
      reviewer.value = stored("jixiao-reviewer") || "";
      reviewer.addEventListener("change", function () { store("jixiao-reviewer", reviewer.value.trim()); });
    }
    function by() { return reviewer ? reviewer.value.trim() : ""; }

    function text(parent, tag, className, content) {
      var node = document.createElement(tag);
      if (className) { node.className = className; }
      node.textContent = content;
      parent.appendChild(node);
      return node;
    }
    function show(id) {
      var article = articles[id];
      if (!article) { return; }
      var review = decisions[id];
      var decision = review ? review.decision : "open";
      article.classList.toggle("decided", !!review);
      article.setAttribute("data-decision", decision);
      var badge = article.querySelector(".review-badge");
      badge.hidden = !review;
      badge.className = "review-badge badge d-" + decision;
      badge.textContent = review ? WORDS[decision] : "";
      var state = article.querySelector(".review-state");
      state.hidden = !review;
      state.textContent = "";
      if (review) {
        text(state, "span", "badge d-" + decision, WORDS[decision]);
        if (review.reason) { text(state, "span", "review-reason-text", "理由：" + review.reason); }
        var who = [review.by, review.at].filter(Boolean).join(" · ");
        if (who) { text(state, "span", "muted", who); }
      }
      var input = article.querySelector(".review-reason");
      input.hidden = !!review;
      article.querySelectorAll("button[data-review]").forEach(function (button) {
        button.hidden = (button.getAttribute("data-review") === "undo") !== !!review;
      });
      label(article);
    }
    function label(article) {  // 排除 says it needs a reason while there is none
      var empty = !article.querySelector(".review-reason").value.trim();
      article.querySelector("button[data-review=dismissed]").textContent = empty ? "排除（须写理由）" : "排除";
    }
    function count() {
      var n = { open: 0, confirmed: 0, dismissed: 0, errors_open: 0 };
      data.ids.forEach(function (id) {
        var review = decisions[id];
        n[review ? review.decision : "open"] += 1;
        var article = articles[id];
        if (article && article.getAttribute("data-severity") === "error" && !(review && review.decision === "dismissed")) {
          n.errors_open += 1;
        }
      });
      document.querySelectorAll("[data-review-count]").forEach(function (node) {
        node.textContent = n[node.getAttribute("data-review-count")];
      });
    }

    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("article.finding button[data-review]") : null;
      if (!button) { return; }
      var article = button.closest("article.finding");
      var id = article.getAttribute("data-finding-id");
      var action = button.getAttribute("data-review");
      var input = article.querySelector(".review-reason");
      var hint = article.querySelector(".review-hint");
      var reason = input.value.trim();
      hint.textContent = "";
      if (action === "undo") {
        input.value = decisions[id] ? decisions[id].reason : "";
        delete decisions[id];
      } else if (action === "dismissed" && !reason) {
        hint.textContent = "排除须写明理由";
        input.focus();
        return;
      } else {
        decisions[id] = { decision: action, reason: reason, by: by() || null, at: today() };
      }
      keep(); show(id); count(); applyFilters();
      if (action === "undo") { input.focus(); }
    });
    document.querySelectorAll("article.finding .review-reason").forEach(function (input) {
      input.addEventListener("input", function () { label(input.closest("article.finding")); });
    });

    // The reviews file: TOML that `jixiao check --reviews` reads, one [[review]] a decision.
    function quote(value) {
      var named = { "\\": "\\\\", "\"": "\\\"", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r" };
      return "\"" + String(value).replace(/[\\"\u0000-\u001f\u007f]/g, function (c) {
        return named[c] || "\\u" + ("000" + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4);
      }) + "\"";
    }
    function comment(value) { return String(value).replace(/[\u0000-\u001f\u007f]/g, " "); }
    function reviewsFile() {
      var source = bar ? bar.getAttribute("data-source") : "";
      var lines = ["# jixiao 复核结论（由 HTML 报告导出）", "# 报告：" + comment(source),
                   "# SHA-256：" + comment(sha), "# 导出日期：" + today(), ""];
      var n = 0;
      data.ids.forEach(function (id) {
        var review = decisions[id];
        if (!review) { return; }
        var who = review.by || (same(review) !== same(fromFile[id]) ? by() : "");
        var at = review.at || today();
        lines.push("[[review]]", "id = " + quote(id), "decision = " + quote(review.decision));
        if (review.reason) { lines.push("reason = " + quote(review.reason)); }
        if (who) { lines.push("by = " + quote(who)); }
        lines.push("at = " + (/^\d{4}-\d{2}-\d{2}$/.test(at) ? at : quote(at)), "");
        n += 1;
      });
      return { text: lines.join("\n"), count: n, name: stem(source) + ".reviews.toml" };
    }
    function stem(path) {
      var name = String(path).split(/[\\/]/).pop() || "report";
      return name.lastIndexOf(".") > 0 ? name.slice(0, name.lastIndexOf(".")) : name;
    }
    var exporter = document.getElementById("export-reviews");
    if (exporter) {
      exporter.addEventListener("click", function () {
        var file = reviewsFile();
        var link = document.createElement("a");
        link.href = URL.createObjectURL(new Blob([file.text], { type: "application/toml" }));
        link.download = file.name;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
        document.getElementById("export-status").textContent = "已导出 " + file.count + " 条复核结论：" + file.name;
      });
    }

    document.querySelectorAll(".review-bar, .toc-review, article.finding .review").forEach(function (node) {
      node.hidden = false;
    });
    data.ids.forEach(show);
    count();
    applyFilters();
  }

  // Printing shows every collapsed section.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.setAttribute("open", ""); });
  });
})();
