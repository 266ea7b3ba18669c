// app.js: small progressive enhancement for Rollout's server-rendered pages.
// Every page works without it; with it, a few things get nicer. It is loaded
// as an external file (our CSP allows no inline script), with `defer`, and
// listens on the document so it also covers content added later.
import "./mentions.js";

(function () {
  "use strict";

  var doc = document;

  // Tell the CSS that JavaScript runs: `.js .js-hide` hides the fallback
  // controls (such as the language form's submit button) that JS replaces.
  doc.documentElement.classList.add("js");

  // (a) Confirmation before destructive actions.
  // <form data-confirm="Delete this risk?"> or <button data-confirm="…">.
  // For a submit button the question is asked in the form's submit event
  // (event.submitter), so a button and its form never ask twice.
  doc.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message =
      (submitter && submitter.dataset && submitter.dataset.confirm) ||
      (form.dataset && form.dataset.confirm);
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Buttons that do not submit a form (type="button", or outside any form)
  // still ask before their click goes through to other handlers.
  doc.addEventListener(
    "click",
    function (event) {
      var button = event.target.closest && event.target.closest("button[data-confirm]");
      if (!button || (button.type === "submit" && button.form)) return;
      if (!window.confirm(button.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  // (b) <select data-autosubmit> submits its form on change (the language
  // switch). requestSubmit() fires the submit event like a click would.
  doc.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-autosubmit]") || !select.form) return;
    if (select.form.requestSubmit) {
      select.form.requestSubmit();
    } else {
      select.form.submit();
    }
  });

  // (c) An element with data-dismiss (the × in a flash message) removes the
  // flash around it; without a .flash around it, its parent.
  doc.addEventListener("click", function (event) {
    var closer = event.target.closest && event.target.closest("[data-dismiss]");
    if (!closer) return;
    var box = closer.closest(".flash") || closer.parentElement;
    if (box) box.remove();
  });

  // (d) <div class="progress" data-value="42"><span class="p-40"></span></div>:
  // the p-NN class gives the width in steps of 5 without JS (our CSP forbids
  // style attributes); with JS the exact value is set through the CSSOM,
  // which the CSP allows.
  function setProgress(root) {
    var bars = root.querySelectorAll(".progress[data-value] > span");
    for (var i = 0; i < bars.length; i++) {
      var value = parseFloat(bars[i].parentNode.getAttribute("data-value"));
      if (!isNaN(value)) {
        bars[i].style.width = Math.max(0, Math.min(100, value)) + "%";
      }
    }
  }
  // (e) <button type="button" data-print> opens the browser's print dialog
  // (the gate review pack); the print stylesheet lays it out for A4.
  doc.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (!button) return;
    event.preventDefault();
    window.print();
  });

  // A row of tabs that scrolls sideways (a phone) shows its current tab:
  // it scrolls that tab to the middle of the row, never the page.
  function keepCurrentInView(root) {
    var rows = root.querySelectorAll(".tabs, .site-header .nav");
    Array.prototype.forEach.call(rows, function (row) {
      if (row.scrollWidth <= row.clientWidth) return;
      var current = row.querySelector('[aria-current="page"], .active');
      if (!current) return;
      var left = current.offsetLeft - row.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
      row.scrollLeft = Math.max(0, left);
    });
  }

  function ready() {
    setProgress(doc);
    keepCurrentInView(doc);
  }

  if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
