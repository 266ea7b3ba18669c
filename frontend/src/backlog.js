// backlog.js: drag-and-drop ranking on the requirement backlog page, with
// SortableJS. Loaded only there. The page works without it: each row has
// buttons that move it up, down, to the top or the bottom; they all belong
// to the page's one form #mv and send m = "NUMBER DIRECTION [NEIGHBOUR]".
//
// Each group (a tier or a phase) is its own list: a row can be dragged within
// its group, never into another one. On drop the script tells the API where
// the row now stands: {"before": n} (the row now after it) or {"after": n}
// (the row before it), with the CSRF token of <meta name="csrf-token">. If
// that fails it says so and reloads, so the page never shows an order that
// was not saved.
//
// With the script the move buttons do the same without reloading the page:
// the row moves, the focus stays on the button pressed (so ↑ ↑ ↑ from the
// keyboard walks a row up), and "New order saved." shows at the bottom of
// the screen, where the reader is, not at the top of the page. The header's
// box of each group ticks or clears every row of the group.
import Sortable from "sortablejs";

(function () {
  "use strict";

  var doc = document;
  var status = doc.getElementById("backlog-status");

  var quiet;
  function say(text, failed) {
    if (!status) return;
    status.textContent = text || "";
    status.classList.toggle("flash", !!text);
    status.classList.toggle("flash-error", !!failed);
    status.classList.toggle("flash-success", !!text && !failed);
    window.clearTimeout(quiet);
    if (text && !failed) {
      quiet = window.setTimeout(function () {
        say("");
      }, 4000);
    }
  }

  function csrf() {
    var meta = doc.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function rows(list) {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.matches("tr[data-number]");
    });
  }

  // After a drag, the move buttons of the list must name the new neighbours
  // and be enabled or disabled as the new ends of the group require.
  function refreshButtons(list) {
    var all = rows(list);
    all.forEach(function (row, i) {
      var n = row.dataset.number;
      var prev = i > 0 ? all[i - 1].dataset.number : "";
      var next = i < all.length - 1 ? all[i + 1].dataset.number : "";
      Array.prototype.forEach.call(row.querySelectorAll("button[name=m]"), function (b) {
        var dir = b.value.split(" ")[1];
        var up = dir === "up" || dir === "top";
        var other = dir === "up" ? prev : dir === "down" ? next : "";
        b.value = n + " " + dir + (other ? " " + other : "");
        b.disabled = up ? !prev : !next;
      });
    });
  }

  // The API address of a row's move: the form #mv names the base.
  function moveURL(row) {
    var form = doc.getElementById("mv");
    return (form ? form.dataset.api : "") + row.dataset.number + "/move";
  }

  function failed() {
    say(status ? status.dataset.failed : "", true);
    window.setTimeout(function () {
      window.location.reload();
    }, 1500);
  }

  function moved(event) {
    if (event.oldIndex === event.newIndex) return;
    save(event.item, event.from);
  }

  // save tells the API where a row now stands in its list.
  function save(row, list) {
    var next = row.nextElementSibling;
    var prev = row.previousElementSibling;
    var body;
    if (next && next.dataset.number) {
      body = { before: Number(next.dataset.number) };
    } else if (prev && prev.dataset.number) {
      body = { after: Number(prev.dataset.number) };
    } else {
      return;
    }
    refreshButtons(list);
    say("");
    fetch(moveURL(row), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body),
    })
      .then(function (res) {
        if (!res.ok) throw new Error("move failed: " + res.status);
        say(status ? status.dataset.saved : "", false);
      })
      .catch(failed);
  }

  // Sortable ignores a row while it slides into place; with reduced motion
  // (which app.css honours too) rows jump at once.
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // A move button moves its row in place and keeps the focus on itself (or,
  // at the end of the list, on its twin that still can move).
  function buttonMove(event) {
    var form = event.target;
    var button = event.submitter;
    if (!form || form.id !== "mv" || !button || button.name !== "m") return;
    var row = button.closest("tr[data-number]");
    var list = row && row.parentElement;
    if (!list) return;
    event.preventDefault();
    var all = rows(list);
    var i = all.indexOf(row);
    var dir = button.value.split(" ")[1];
    if (dir === "up" && i > 0) list.insertBefore(row, all[i - 1]);
    else if (dir === "down" && i < all.length - 1) list.insertBefore(row, all[i + 1].nextSibling);
    else if (dir === "top" && i > 0) list.insertBefore(row, all[0]);
    else if (dir === "bottom" && i < all.length - 1) list.insertBefore(row, all[all.length - 1].nextSibling);
    else return;
    save(row, list);
    var target = button;
    if (button.disabled) {
      var twin = { up: "down", top: "bottom", down: "up", bottom: "top" }[dir];
      target = row.querySelector('button[name=m][value^="' + row.dataset.number + " " + twin + '"]') || button;
    }
    target.focus();
  }

  function selectAll(event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[data-select-all]")) return;
    var table = box.closest("table");
    Array.prototype.forEach.call(table.querySelectorAll('tbody input[type="checkbox"][name="numbers"]'), function (b) {
      b.checked = box.checked;
    });
  }

  function init() {
    doc.addEventListener("submit", buttonMove);
    doc.addEventListener("change", selectAll);
    var lists = doc.querySelectorAll("tbody[data-sortable]");
    Array.prototype.forEach.call(lists, function (list) {
      Sortable.create(list, {
        // A group of its own that gives and takes nothing: no drops across groups.
        group: { name: list.dataset.sortable, pull: false, put: false },
        handle: ".drag-handle",
        draggable: "tr[data-number]",
        animation: reduced ? 0 : 150,
        // On touch screens the handle must be held a moment, so a swipe still scrolls.
        delay: 150,
        delayOnTouchOnly: true,
        onEnd: moved,
      });
    });
  }

  if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
