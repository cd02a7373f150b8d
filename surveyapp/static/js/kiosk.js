// Kiosk behaviour on top of server-rendered pages. Without JavaScript every screen shows on one page and the
// form still works; with it, the citizen sees one screen at a time.
(function () {
  "use strict";

  function stepThrough(form) {
    var screens = Array.prototype.slice.call(form.querySelectorAll(".screen"));
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

  function returnToStart(section) {
    var seconds = parseInt(section.dataset.seconds, 10) || 8;
    window.setTimeout(function () { window.location.replace(section.dataset.returnUrl); }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.survey");
    if (form) { stepThrough(form); guardDoubleSubmit(form); }
    var thanks = document.querySelector(".thanks[data-return-url]");
    if (thanks) { returnToStart(thanks); }
  });
})();
