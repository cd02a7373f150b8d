// The offline kiosk app: connecting a tablet with its token, answering, the persistent queue and its sending,
// and the reset that clears the previous person's answers. Storage is in kiosk-store.js; stepping through the
// screens and read-aloud are in kiosk.js, shared with the browser kiosk.
(function () {
  "use strict";
  var Store = window.KioskStore;

  function registerWorker(url, scope) {
    if (!("serviceWorker" in navigator)) { return Promise.resolve(); }
    return navigator.serviceWorker.register(url, { scope: scope }).catch(function () {});
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // ---------------------------------------------------------------- connecting the tablet (/kiosk/)
  function enrolPage(section) {
    var form = section.querySelector("form");
    var status = section.querySelector(".enrol-status");
    var home = function (code) { return section.dataset.home.replace("__CODE__", encodeURIComponent(code)); };
    registerWorker(section.dataset.sw, section.dataset.scope);
    if (!/[?&]enrol(=|&|$)/.test(location.search)) {
      Store.device().then(function (device) { if (device) { location.replace(home(device.counter)); } });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var token = form.elements.token.value.trim();
      if (!token) { return; }
      status.textContent = section.dataset.checking;
      fetch(section.dataset.api, { headers: { Authorization: "Bearer " + token }, cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { status.textContent = section.dataset.refused; return null; }
          return response.json();
        }, function () { status.textContent = section.dataset.offline; return null; })
        .then(function (data) {
          if (!data) { return null; }
          return Store.saveDevice({
            token: token,
            counter: data.counter.code,
            label: data.device.label,
            partial_policy: data.device.partial_policy,
          }).then(function () { location.replace(home(data.counter.code)); });
        });
    });
  }

  // ---------------------------------------------------------------- the kiosk (/kiosk/c/<counter>)
  function kioskPage(config) {
    var data = config.dataset;
    var welcome = document.getElementById("welcome");
    var form = document.querySelector("form.survey");
    var thanks = document.getElementById("thanks");
    var overlay = document.querySelector(".idle-overlay");
    var countView = overlay.querySelector(".idle-count");
    var sync = document.querySelector(".sync");
    var syncText = sync.querySelector(".sync-text");
    var idleMs = parseInt(data.idle, 10) * 1000;
    var countdownMs = parseInt(data.countdown, 10) * 1000;
    var retryMax = parseInt(data.retryMax, 10) * 1000;
    var device = null;
    var current = null; // the response being answered: id, start time, field
    var lastTouch = Date.now();
    var resetting = false;
    var oneTap = form.dataset.oneTap === "true"; // the faces are the first screen; a tap is the answer

    registerWorker(data.sw, data.scope);
    Store.device().then(function (found) {
      if (!found) { location.replace(data.start); return; }
      if (found.counter !== data.counter) { location.replace(data.start); return; }
      device = found;
      if (oneTap) { begin(""); }
      refreshDevice();
      keepSending();
      precache();
    });

    // -- what the server says about this device (its partial policy may have changed)
    function refreshDevice() {
      fetch(data.api, { headers: { Authorization: "Bearer " + device.token }, cache: "no-store" })
        .then(function (response) {
          if (response.status === 401) { showSync("unauthorised"); return null; }
          return response.ok ? response.json() : null;
        })
        .then(function (info) {
          if (!info) { return; }
          device.partial_policy = info.device.partial_policy;
          Store.saveDevice(device);
        })
        .catch(function () {});
    }

    // -- everything the kiosk needs offline goes into the cache the service worker answers from
    function precache() {
      var done = function () { document.documentElement.dataset.cached = "true"; };
      if (!("caches" in window)) { done(); return; }
      var urls = JSON.parse(document.getElementById("precache").textContent);
      caches.open(data.cache).then(function (cache) {
        return urls.reduce(function (chain, url) {
          return chain.then(function () {
            return cache.match(url).then(function (hit) {
              if (hit) { return null; }
              return fetch(url, { credentials: "same-origin" })
                .then(function (response) { return response.ok ? cache.put(url, response) : null; })
                .catch(function () {});
            });
          });
        }, Promise.resolve());
      }).then(done, done);
    }

    // -- the sync indicator
    function showSync(state, waiting, held) {
      var text = {
        sent: data.textSent,
        waiting: data.textWaiting,
        offline: data.textOffline,
        unauthorised: data.textUnauthorised,
      }[state].replace("{n}", waiting || 0);
      if (held) { text += " · " + data.textHeld.replace("{n}", held); }
      sync.dataset.state = state;
      sync.dataset.waiting = waiting || 0;
      syncText.textContent = text;
    }

    // -- sending the queue, oldest first; an item leaves it only when the server has confirmed it
    var wake = null;
    var attempts = 0;
    function nudge() { if (wake) { var w = wake; wake = null; w(); } }
    function sleep(ms) {
      return new Promise(function (resolve) {
        var timer = setTimeout(function () { wake = null; resolve(); }, ms);
        wake = function () { clearTimeout(timer); resolve(); };
      });
    }
    function backoff() {
      attempts += 1;
      var wait = Math.min(retryMax, 2000 * Math.pow(2, attempts - 1));
      return wait * (0.75 + Math.random() * 0.5);
    }

    function keepSending() {
      window.addEventListener("online", nudge);
      if (navigator.locks) {
        navigator.locks.request("surveyapp-kiosk-queue", function () { return loop(); });
      } else {
        loop();
      }
    }

    function loop() {
      return Promise.all([Store.oldest(), Store.count(), Store.heldCount()]).then(function (found) {
        var item = found[0], waiting = found[1], held = found[2];
        if (!item) {
          showSync("sent", 0, held);
          return sleep(60000).then(loop);
        }
        showSync(navigator.onLine ? "waiting" : "offline", waiting, held);
        return send(item, waiting - 1).then(function (wait) {
          return (wait ? sleep(wait) : Promise.resolve()).then(loop);
        });
      }).catch(function () { return sleep(backoff()).then(loop); });
    }

    function send(item, behind) {
      // The queued body keeps the device's own times; each attempt also says what the clock reads now, so
      // that the server can place answers given on a wrong clock (reset to 1970 by a flat battery).
      var body = Object.assign({}, item.body, { queue_length: behind, sent_at: new Date().toISOString() });
      return fetch(data.submit, {
        method: "POST",
        headers: { Authorization: "Bearer " + device.token, "Content-Type": "application/json" },
        body: JSON.stringify(body),
        cache: "no-store",
      }).then(function (response) {
        if (response.status === 200 || response.status === 201) {
          attempts = 0;
          return Store.remove(item.seq).then(function () { return 0; });
        }
        if (response.status === 401) {
          showSync("unauthorised");
          return retryMax;
        }
        if (response.status === 429 || response.status >= 500) { return backoff(); }
        // The server refused these answers for good (4xx): keep them on the tablet, out of the way.
        return response.text().then(function (text) {
          return Store.hold(item, { status: response.status, body: text });
        }).then(function () { return 0; });
      }, function () {
        showSync("offline", behind + 1);
        return backoff();
      });
    }

    // -- answering
    welcome.addEventListener("click", function (event) {
      var button = event.target.closest("[data-field]");
      if (button) { begin(button.dataset.field); }
    });

    function begin(field) {
      current = { id: newId(), started_at: new Date().toISOString(), field: field || null, touched: !oneTap };
      // The short form: one of the forms the server drew for this tablet, at random (none: every question).
      var draws = JSON.parse(document.getElementById("draws").textContent);
      current.asked = draws.length ? draws[Math.floor(Math.random() * draws.length)] : null;
      form.ask(current.asked);
      welcome.hidden = true;
      form.hidden = false;
      form.showScreen(0);
    }

    function answeredQuestion(question) {
      if (question.dataset.type === "text") { return question.querySelector("textarea").value.trim() !== ""; }
      return !!question.querySelector("input:checked");
    }

    function collect(partial) {
      var answers = {};
      var comment = null;
      var given = 0;
      form.querySelectorAll(".question[data-code]").forEach(function (question) {
        var code = question.dataset.code;
        if (current.asked && current.asked.indexOf(code) < 0) { return; } // not asked: stored as missing
        var type = question.dataset.type;
        if (type === "text") {
          comment = question.querySelector("textarea").value.trim() || null;
          return;
        }
        if (type === "multi") {
          var chosen = Array.prototype.map.call(question.querySelectorAll("input:checked"), function (i) { return i.value; });
          if (chosen.length) { given += 1; }
          if (chosen.length || !partial) { answers[code] = chosen; }
          return;
        }
        var checked = question.querySelector("input:checked");
        if (!checked) {
          if (!partial) { answers[code] = null; }
          return;
        }
        given += 1;
        if (checked.value === "skip") { answers[code] = null; return; }
        answers[code] = type === "scale" ? parseInt(checked.value, 10) : checked.value;
      });
      var body = {
        id: current.id,
        questionnaire: { instrument: data.instrument, version: parseInt(data.version, 10) },
        counter: data.counter,
        language: data.language,
        started_at: current.started_at,
        submitted_at: new Date().toISOString(),
        answers: answers,
      };
      if (comment) { body.comment = comment; }
      if (current.asked) { body.asked = current.asked; }
      if (current.field && !data.field) { body.field = current.field; }
      var honeypot = form.elements.contact.value;
      if (honeypot) { body.honeypot = honeypot; }
      if (partial) { body.partial = true; }
      return { body: body, given: given + (comment ? 1 : 0) };
    }

    function firstGap() {
      var screens = Array.prototype.slice.call(form.querySelectorAll(".screen"));
      form.querySelectorAll(".error.client").forEach(function (e) { e.remove(); });
      var gaps = Array.prototype.filter.call(form.querySelectorAll('.question[data-required="true"]'), function (q) {
        return !answeredQuestion(q) && q.closest(".screen").dataset.asked !== "false";
      });
      gaps.forEach(function (q) {
        var p = document.createElement("p");
        p.className = "error client";
        p.setAttribute("role", "alert");
        p.textContent = form.dataset.requiredText;
        q.appendChild(p);
      });
      return gaps.length ? screens.indexOf(gaps[0].closest(".screen")) : -1;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      finish();
    });

    // One tap: the answer goes to the queue when the citizen gives a reason or after the thank-you time.
    if (oneTap) {
      var faces = form.querySelector(".screen");
      var later = null;
      form.addEventListener("change", function (event) {
        if (!current || event.target.type !== "radio") { return; }
        current.touched = true;
        window.clearTimeout(later);
        if (faces.contains(event.target)) {
          form.querySelector(".one-tap-thanks").hidden = false;
          later = window.setTimeout(finish, parseInt(data.thanks, 10) * 1000);
        } else {
          later = window.setTimeout(finish, 350);
        }
      });
    }

    function finish() {
      if (!current) { return; }
      var gap = firstGap();
      if (gap >= 0) {
        form.showScreen(gap);
        form.querySelector(".steps .send").disabled = false;
        return;
      }
      var answer = collect(false);
      Store.enqueue({ body: answer.body }).then(function () {
        current = null;
        nudge();
        form.hidden = true;
        thanks.hidden = false;
        thanks.querySelector("h1").focus();
        setTimeout(reset, parseInt(data.thanks, 10) * (oneTap ? 250 : 1000));
      });
    }
    thanks.querySelector(".reset-now").addEventListener("click", reset);

    // -- the reset: nothing of the previous person stays but the queued answers
    function reset() {
      if (resetting) { return; }
      resetting = true;
      form.reset();
      current = null;
      try { sessionStorage.clear(); localStorage.clear(); } catch (e) { /* storage may be disabled */ }
      location.replace(data.home);
    }

    function timeOut() {
      if (current && device && device.partial_policy === "submit") {
        var answer = collect(true);
        if (answer.given > 0) {
          Store.enqueue({ body: answer.body }).then(reset, reset);
          current = null;
          return;
        }
      }
      reset();
    }

    // -- inactivity: a countdown, then the reset
    function touched() {
      lastTouch = Date.now();
      if (!overlay.hidden) { overlay.hidden = true; }
    }
    ["pointerdown", "keydown", "input", "change", "wheel"].forEach(function (name) {
      document.addEventListener(name, touched, true);
    });
    overlay.querySelector(".idle-continue").addEventListener("click", touched);
    setInterval(function () {
      var watching = (current !== null && current.touched) || data.language !== data.defaultLanguage;
      if (!watching || !thanks.hidden || resetting) { return; }
      var left = idleMs - (Date.now() - lastTouch);
      if (left <= 0) { overlay.hidden = true; timeOut(); return; }
      if (left <= countdownMs) {
        if (overlay.hidden) { overlay.hidden = false; overlay.querySelector(".idle-continue").focus(); }
        countView.textContent = Math.ceil(left / 1000);
      }
    }, 250);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var enrol = document.getElementById("enrol");
    if (enrol) { enrolPage(enrol); }
    var config = document.getElementById("kiosk-app");
    if (config) { kioskPage(config); }
  });
})();
