// Kiosk behaviour on top of server-rendered pages, shared by the browser kiosk (/k/<counter>) and the offline
// kiosk app; read-aloud is kiosk-voice.js. Without JavaScript every question shows on one page and the form
// still works; with it:
//  - one question per screen: a tap on an answer records it and moves on, with Back to return;
//  - a last screen names the questions left unanswered before Send;
//  - the browser kiosk sends the answers itself and, when sending fails, keeps them in an outbox on the tablet
//    and retries with the same response id (so nothing can be stored twice);
//  - after inactivity (a countdown, then the reset) and after the thank-you screen, the kiosk forgets the
//    citizen: answers, text size, language, and its own history entries.
(function () {
  "use strict";

  var settings = null; // #kiosk-settings: timings and words (browser kiosk); the offline app has its own

  function each(root, selector, fn) { Array.prototype.forEach.call(root.querySelectorAll(selector), fn); }

  // ---------------------------------------------------------------- one question per screen
  function stepThrough(form) {
    var screens = Array.prototype.slice.call(form.querySelectorAll(".screen"));
    var review = form.querySelector(".screen.review");
    var questions = screens.filter(function (s) { return s !== review; });
    var back = form.querySelector(".steps .back");
    var next = form.querySelector(".steps .next");
    var send = form.querySelector(".steps .send");
    var progress = form.querySelector(".progress");
    var bar = form.querySelector(".progress-bar");
    var text = form.querySelector(".progress-text");
    var unanswered = review ? review.querySelector(".unanswered") : null;
    var current = 0;
    var backToReview = false; // the citizen came from the last screen to answer a question they had left
    var advanceTimer = null;

    function answered(question) {
      if (question.dataset.type === "text") { return question.querySelector("textarea").value.trim() !== ""; }
      return !!question.querySelector("input:checked");
    }

    function show(index) {
      window.clearTimeout(advanceTimer);
      if (window.kioskVoice) { window.kioskVoice.stop(); }
      current = index;
      var screen = screens[index];
      screens.forEach(function (s, i) { s.hidden = i !== index; });
      var oneTap = form.dataset.oneTap === "true"; // the faces, then an optional reason: no review
      back.hidden = index === 0;
      next.hidden = screen === review || oneTap;
      send.hidden = oneTap ? index === 0 : screen !== review;
      progress.hidden = false;
      var done = screen === review ? questions.length : index + 1;
      bar.style.setProperty("--done", Math.round(100 * done / Math.max(questions.length, 1)) + "%");
      text.textContent = screen === review
        ? form.dataset.reviewText
        : form.dataset.questionText.replace("{n}", index + 1).replace("{total}", questions.length);
      if (screen === review) { listUnanswered(); }
      window.scrollTo(0, 0);
      var heading = screen.querySelector("legend, .legend, h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
    }

    function listUnanswered() {
      if (!unanswered) { return; }
      var list = unanswered.querySelector(".unanswered-list");
      list.textContent = "";
      questions.forEach(function (screen, index) {
        var question = screen.querySelector(".question");
        if (!question || answered(question)) { return; }
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "jump";
        button.textContent = question.querySelector("legend, .legend").firstChild.textContent.trim();
        button.addEventListener("click", function () { backToReview = true; show(index); });
        item.appendChild(button);
        list.appendChild(item);
      });
      unanswered.hidden = !list.children.length;
    }

    function requiredGap(screen) {
      var question = screen.querySelector('.question[data-required="true"]');
      return question && !answered(question) ? question : null;
    }

    function complain(question) {
      if (question.querySelector(".error.client")) { return; }
      var p = document.createElement("p");
      p.className = "error client";
      p.setAttribute("role", "alert");
      p.textContent = form.dataset.requiredText;
      question.appendChild(p);
    }

    function advance() {
      var gap = requiredGap(screens[current]);
      if (gap) { complain(gap); return; }
      show(backToReview && review ? screens.indexOf(review) : current + 1);
    }

    next.addEventListener("click", advance);
    back.addEventListener("click", function () { backToReview = false; show(current - 1); });
    form.addEventListener("change", function (event) {
      var question = event.target.closest(".question");
      if (!question) { return; }
      each(question, ".error.client", function (e) { e.remove(); });
      // A tap on a face or a single choice is the answer: move on once the citizen has seen it chosen.
      var oneTapDone = form.dataset.oneTap === "true" && current > 0; // the reason: kiosk.js sends at once
      if (event.target.type === "radio" && screens[current].contains(question) && !oneTapDone) {
        window.clearTimeout(advanceTimer);
        advanceTimer = window.setTimeout(advance, 350);
      }
    });

    // Before sending, a required question left unanswered takes the citizen back to it.
    form.firstRequiredGap = function () {
      for (var i = 0; i < questions.length; i += 1) {
        var gap = requiredGap(questions[i]);
        if (gap) { complain(gap); return i; }
      }
      return -1;
    };
    // The offline app draws each citizen's short form itself: only the questions in ``codes`` are stepped
    // through (all of them again with ``null``).
    var everyScreen = screens.slice();
    var everyCode = form.elements.asked ? form.elements.asked.value : "";
    form.ask = function (codes) {
      everyScreen.forEach(function (s) {
        var asked = !codes || s === review || codes.indexOf(s.dataset.code) >= 0;
        s.dataset.asked = asked ? "true" : "false";
        s.hidden = true;
      });
      screens = everyScreen.filter(function (s) { return s.dataset.asked !== "false"; });
      questions = screens.filter(function (s) { return s !== review; });
      if (form.elements.asked) { form.elements.asked.value = codes ? codes.join(" ") : everyCode; }
    };
    form.showScreen = show;
    var firstError = screens.findIndex(function (s) { return s.querySelector(".has-error"); });
    var carried = parseInt(form.dataset.startAt || "0", 10);
    show(firstError >= 0 ? firstError : Math.min(carried, screens.length - 1));
  }

  // ---------------------------------------------------------------- sending, and the outbox (browser kiosk)
  var OUTBOX = "surveyapp-kiosk-outbox";
  function readOutbox() {
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; }
  }
  function writeOutbox(items) {
    try { localStorage.setItem(OUTBOX, JSON.stringify(items)); } catch (e) { /* storage may be disabled */ }
  }
  function dropFromOutbox(id) {
    writeOutbox(readOutbox().filter(function (item) { return item.id !== id; }));
  }

  // One attempt. Resolves to "stored", "refused" (the server will never take these answers as they are) or
  // "retry" (the network, a busy server, a rate limit: the same answers, with the same id, go again later).
  function attempt(item) {
    return fetch(item.url, {
      method: "POST",
      body: item.body,
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    }).then(function (response) {
      if (response.status === 200 || response.status === 201) { return "stored"; }
      if (response.status === 408 || response.status === 429 || response.status >= 500) { return "retry"; }
      return "refused";
    }, function () { return "retry"; });
  }

  var flushing = false;
  var failures = 0;
  function retryDelay() {
    var most = (settings ? parseInt(settings.dataset.retryMax, 10) : 300) * 1000;
    failures += 1;
    return Math.min(most, 2000 * Math.pow(2, failures - 1)) * (0.75 + Math.random() * 0.5);
  }

  // Send what waits in the outbox, oldest first, until it is empty; a failure waits longer each time.
  function flushOutbox() {
    if (flushing) { return; }
    var items = readOutbox();
    if (!items.length) { return; }
    flushing = true;
    attempt(items[0]).then(function (outcome) {
      flushing = false;
      if (outcome === "retry") { window.setTimeout(flushOutbox, retryDelay()); return; }
      failures = 0;
      dropFromOutbox(items[0].id);
      flushOutbox();
    });
  }

  function sendByItself(form, thanks) {
    var status = document.querySelector(".send-status");
    var delivered = false;

    // Kept first, sent second: a tablet that loses power or the network keeps the answers.
    function keep() {
      var item = {
        id: form.elements.response_id.value,
        url: form.action,
        body: new URLSearchParams(new FormData(form)).toString(),
      };
      writeOutbox(readOutbox().filter(function (x) { return x.id !== item.id; }).concat([item]));
      return item;
    }

    function deliver(item) {
      if (delivered) { return; }
      delivered = true;
      form.querySelector(".steps .send").disabled = true;
      status.hidden = false;
      status.textContent = settings.dataset.textSending;
      attempt(item).then(function (outcome) {
        if (outcome === "refused") {
          dropFromOutbox(item.id);
          form.dataset.native = "true";
          form.submit();
          return;
        }
        if (outcome === "stored") { dropFromOutbox(item.id); } else { window.setTimeout(flushOutbox, retryDelay()); }
        status.textContent = outcome === "stored" ? "" : settings.dataset.textRetrying;
        status.hidden = outcome === "stored";
        form.hidden = true;
        form.reset();
        thanks.hidden = false;
        thanks.querySelector("h1").focus();
        if (settings.dataset.channel === "kiosk") {
          window.setTimeout(forget, parseInt(settings.dataset.thanks, 10) * 1000);
        }
      });
    }

    form.addEventListener("submit", function (event) {
      if (form.dataset.native === "true") { return; } // the server shows its own errors beside the questions
      event.preventDefault();
      if (form.firstRequiredGap) {
        var gap = form.firstRequiredGap();
        if (gap >= 0) { form.showScreen(gap); return; }
      }
      deliver(keep());
    });

    // One tap: the face is the answer, kept at once and sent when the citizen gives a reason or after the
    // thank-you time, whichever comes first.
    if (form.dataset.oneTap !== "true") { return; }
    var faces = form.querySelector(".screen");
    var later = null;
    form.querySelector(".one-tap-thanks").hidden = true;
    form.addEventListener("change", function (event) {
      if (event.target.type !== "radio" || delivered) { return; }
      window.clearTimeout(later);
      if (faces.contains(event.target)) {
        keep();
        form.querySelector(".one-tap-thanks").hidden = false;
        later = window.setTimeout(function () { deliver(keep()); }, parseInt(settings.dataset.thanks, 10) * 1000);
      } else {
        later = window.setTimeout(function () { deliver(keep()); }, 350);
      }
    });
  }

  // ---------------------------------------------------------------- forgetting the citizen
  var forgetting = false;
  function forget() {
    if (forgetting) { return; }
    forgetting = true;
    each(document, "form", function (f) { f.reset(); });
    try { sessionStorage.clear(); } catch (e) { /* storage may be disabled */ }
    window.location.replace(settings.dataset.home);
  }

  function watchIdle() {
    var overlay = document.querySelector(".idle-overlay");
    if (!overlay || settings.dataset.channel !== "kiosk") { return; }
    var idleMs = parseInt(settings.dataset.idle, 10) * 1000;
    var countdownMs = parseInt(settings.dataset.countdown, 10) * 1000;
    var count = overlay.querySelector(".idle-count");
    var lastTouch = Date.now();
    function touched() {
      lastTouch = Date.now();
      overlay.hidden = true;
    }
    ["pointerdown", "keydown", "input", "change", "wheel"].forEach(function (name) {
      document.addEventListener(name, touched, true);
    });
    overlay.querySelector(".idle-continue").addEventListener("click", touched);
    // The welcome screen has nothing to forget unless the citizen changed the language or the view.
    var welcome = !document.querySelector("form.survey");
    var language = document.documentElement.lang || "";
    window.setInterval(function () {
      if (forgetting) { return; }
      var changed = language.indexOf(settings.dataset.defaultLanguage) !== 0 || sessionStorage.length > 0;
      if (welcome && !changed) { return; }
      var left = idleMs - (Date.now() - lastTouch);
      if (left <= 0) { overlay.hidden = true; forget(); return; }
      if (left <= countdownMs) {
        if (overlay.hidden) { overlay.hidden = false; overlay.querySelector(".idle-continue").focus(); }
        count.textContent = Math.ceil(left / 1000);
      }
    }, 250);
  }

  // Moving between the kiosk's own screens replaces the history entry, so Back never returns to a citizen's
  // answers; changing the language in the middle keeps the answers given so far (for this page load only).
  var CARRY = "kiosk-carry";
  function stayInPlace(form) {
    document.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-begin], a.reset-now, .languages a");
      if (!link || event.defaultPrevented) { return; }
      event.preventDefault();
      var href = link.href;
      if (form && link.closest(".languages")) {
        var asked = form.elements.asked ? form.elements.asked.value : "";
        var shown = Array.prototype.findIndex.call(form.querySelectorAll(".screen"), function (s) { return !s.hidden; });
        var state = { fields: [], asked: asked, screen: Math.max(shown, 0) };
        new FormData(form).forEach(function (value, name) { state.fields.push([name, value]); });
        try { sessionStorage.setItem(CARRY, JSON.stringify(state)); } catch (e) { /* nothing to carry */ }
        href += (href.indexOf("?") < 0 ? "?" : "&") + "asked=" + encodeURIComponent(asked);
      }
      if (link.classList.contains("reset-now")) { forget(); return; }
      window.location.replace(href);
    });
  }

  function carryAnswers(form) {
    var raw = null;
    try { raw = sessionStorage.getItem(CARRY); sessionStorage.removeItem(CARRY); } catch (e) { return; }
    if (!raw) { return; }
    var state = JSON.parse(raw);
    if (form.elements.asked && form.elements.asked.value !== state.asked) { return; }
    form.dataset.startAt = String(state.screen || 0);
    state.fields.forEach(function (pair) {
      var name = pair[0], value = pair[1];
      if (name === "csrf_token") { return; }
      var inputs = form.querySelectorAll('[name="' + name + '"]');
      Array.prototype.forEach.call(inputs, function (input) {
        if (input.type === "radio" || input.type === "checkbox") {
          if (input.value === value) { input.checked = true; }
        } else {
          input.value = value;
        }
      });
    });
  }

  // ---------------------------------------------------------------- larger text and high contrast
  // For this citizen only: kept while they move between pages, cleared when the kiosk forgets them.
  function viewOptions() {
    var root = document.documentElement;
    each(document, ".view-option", function (button) {
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

  // A page shown again from the browser's back-forward cache could show a previous citizen's answers.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.getElementById("kiosk-settings")) { window.location.reload(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    viewOptions();
    settings = document.getElementById("kiosk-settings");
    var form = document.querySelector("form.survey");
    var fetching = settings && form && form.dataset.send === "fetch";
    if (fetching) { carryAnswers(form); }
    if (form) { stepThrough(form); }
    if (settings) {
      if (fetching) { sendByItself(form, document.getElementById("thanks")); }
      stayInPlace(form);
      watchIdle();
      flushOutbox();
      window.addEventListener("online", flushOutbox);
    }
    var thanks = document.querySelector(".thanks[data-return-url]");
    if (thanks) { returnToStart(thanks); }
  });
})();
