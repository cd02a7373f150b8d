// Kiosk behaviour on top of server-rendered pages. Without JavaScript every screen shows on one page and the
// form still works; with it, the citizen sees one screen at a time.
(function () {
  "use strict";

  function stepThrough(form) {
    var screens = Array.prototype.slice.call(form.querySelectorAll(".screen"));
    form.showScreen = function () {};
    if (screens.length < 2) { return; }
    var back = form.querySelector(".steps .back");
    var next = form.querySelector(".steps .next");
    var send = form.querySelector(".steps .send");
    var progress = form.querySelector(".progress");
    var bar = form.querySelector(".progress-bar");
    var text = form.querySelector(".progress-text");
    var current = 0;
    var firstError = screens.findIndex(function (s) { return s.querySelector(".has-error"); });
    if (firstError >= 0) { current = firstError; }

    function answered(question) {
      if (question.querySelector("textarea")) { return true; }
      return !!question.querySelector("input:checked");
    }

    function show(index) {
      current = index;
      screens.forEach(function (screen, i) { screen.hidden = i !== index; });
      back.hidden = index === 0;
      next.hidden = index === screens.length - 1;
      send.hidden = index !== screens.length - 1;
      progress.hidden = false;
      bar.style.setProperty("--done", Math.round(100 * (index + 1) / screens.length) + "%");
      text.textContent = form.dataset.stepText.replace("{n}", index + 1).replace("{total}", screens.length);
      window.scrollTo(0, 0);
      var heading = screens[index].querySelector("h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
    }

    function missing(screen) {
      return Array.prototype.slice.call(screen.querySelectorAll('.question[data-required="true"]'))
        .filter(function (q) { return !answered(q); });
    }

    next.addEventListener("click", function () {
      var gaps = missing(screens[current]);
      screens[current].querySelectorAll(".error.client").forEach(function (e) { e.remove(); });
      if (gaps.length) {
        gaps.forEach(function (q) {
          var p = document.createElement("p");
          p.className = "error client";
          p.setAttribute("role", "alert");
          p.textContent = form.dataset.requiredText;
          q.appendChild(p);
        });
        gaps[0].scrollIntoView({ block: "center" });
        return;
      }
      show(current + 1);
    });
    back.addEventListener("click", function () { show(current - 1); });
    form.showScreen = show;
    form.addEventListener("change", function (event) {
      var question = event.target.closest(".question");
      if (question) { question.querySelectorAll(".error.client").forEach(function (e) { e.remove(); }); }
    });
    show(current);
  }

  function guardDoubleSubmit(form) {
    form.addEventListener("submit", function () {
      var send = form.querySelector(".steps .send");
      window.setTimeout(function () { send.disabled = true; }, 0);
    });
  }

  // Read-aloud is kiosk-voice.js (window.kioskVoice).

  // Larger text and high contrast, for this citizen only: kept while they move between pages, cleared when
  // the kiosk returns to its start.
  function viewOptions() {
    var root = document.documentElement;
    document.querySelectorAll(".view-option").forEach(function (button) {
      var name = button.dataset.view;
      var on = sessionStorage.getItem("view-" + name) === "on";
      root.classList.toggle(name, on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.addEventListener("click", function () {
        var now = !root.classList.contains(name);
        root.classList.toggle(name, now);
        button.setAttribute("aria-pressed", now ? "true" : "false");
        sessionStorage.setItem("view-" + name, now ? "on" : "off");
      });
    });
  }

  function returnToStart(section) {
    var seconds = parseInt(section.dataset.seconds, 10) || 8;
    window.setTimeout(function () {
      try { sessionStorage.clear(); } catch (e) { /* storage may be disabled */ }
      window.location.replace(section.dataset.returnUrl);
    }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    viewOptions();
    var form = document.querySelector("form.survey");
    if (form) { stepThrough(form); guardDoubleSubmit(form); }
    var thanks = document.querySelector(".thanks[data-return-url]");
    if (thanks) { returnToStart(thanks); }
  });
})();
