// mentions.js: @-completion of project members in comment boxes.
// <textarea data-mentions='[{"id": 3, "name": "Wang Fang"}, …]'>: typing @
// and the start of a name lists the matching members under the box; a click,
// Enter or Tab puts "@Name " into the text, Escape closes the list. The server
// reads the @names back from the text (web.mentionsIn), so without this
// script typing the name in full mentions the member just the same.
(function () {
  "use strict";

  var doc = document;
  var seq = 0;

  function members(box) {
    try {
      var list = JSON.parse(box.getAttribute("data-mentions") || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  }

  // The "@query" just before the caret: the @ starts the text or follows a
  // space or punctuation, and the query holds no line break.
  function queryAt(box) {
    var upto = box.value.slice(0, box.selectionStart);
    var at = upto.lastIndexOf("@");
    if (at < 0) return null;
    var before = at === 0 ? " " : upto.charAt(at - 1);
    if (/[\w.]/.test(before)) return null; // an e-mail address, not a mention
    var q = upto.slice(at + 1);
    if (q.length > 40 || /[\n\r]/.test(q)) return null;
    return { at: at, q: q };
  }

  function matches(list, q) {
    var needle = q.toLowerCase();
    var starts = [];
    var inside = [];
    for (var i = 0; i < list.length; i++) {
      var name = String(list[i].name || "");
      var hay = name.toLowerCase();
      if (hay.indexOf(needle) === 0) starts.push(list[i]);
      else if (needle && hay.indexOf(needle) > 0) inside.push(list[i]);
    }
    return starts.concat(inside).slice(0, 8);
  }

  function setup(box) {
    if (box.dataset.mentionsReady) return;
    box.dataset.mentionsReady = "1";
    var wrap = doc.createElement("div");
    wrap.className = "mention-box";
    box.parentNode.insertBefore(wrap, box);
    wrap.appendChild(box);
    var ul = doc.createElement("ul");
    ul.className = "mention-list";
    ul.id = "mention-list-" + ++seq;
    ul.setAttribute("role", "listbox");
    ul.hidden = true;
    wrap.appendChild(ul);
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", ul.id);
    var shown = [];
    var active = 0;
    var query = null;

    function close() {
      ul.hidden = true;
      shown = [];
      box.removeAttribute("aria-activedescendant");
    }

    function paint() {
      ul.textContent = "";
      for (var i = 0; i < shown.length; i++) {
        var li = doc.createElement("li");
        li.id = ul.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.textContent = shown[i].name; // text, never HTML
        li.dataset.index = String(i);
        ul.appendChild(li);
      }
      ul.hidden = shown.length === 0;
      if (shown.length) box.setAttribute("aria-activedescendant", ul.id + "-" + active);
    }

    function pick(i) {
      if (!query || !shown[i]) return;
      var text = "@" + shown[i].name + " ";
      var end = box.selectionStart;
      box.value = box.value.slice(0, query.at) + text + box.value.slice(end);
      var caret = query.at + text.length;
      box.setSelectionRange(caret, caret);
      close();
      box.focus();
    }

    box.addEventListener("input", function () {
      query = queryAt(box);
      if (!query) return close();
      shown = matches(members(box), query.q);
      active = 0;
      paint();
    });
    box.addEventListener("keydown", function (event) {
      if (ul.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var n = shown.length;
        active = (active + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
        paint();
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        pick(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    box.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });
    ul.addEventListener("mousedown", function (event) {
      var li = event.target.closest("li");
      if (!li) return;
      event.preventDefault(); // keep the focus in the box
      pick(Number(li.dataset.index));
    });
  }

  function init() {
    var boxes = doc.querySelectorAll("textarea[data-mentions]");
    for (var i = 0; i < boxes.length; i++) setup(boxes[i]);
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", init);
  else init();
})();
