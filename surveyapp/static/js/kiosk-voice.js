// Read-aloud on the kiosk: a question, then each of its answers, one clip after the other.
//
// Markup: a button.read-aloud with data-audio-list, a JSON array of clip URLs in the order they are read
// (/kiosk/voice/<instrument>/<version>/<language>/<prompt>: the question, then each choice; the server answers
// with the reform office's published recording, else espeak-ng's speech, else 404, and a clip that fails is
// skipped). data-autoplay="true" on any such button makes screens read themselves by default.
//
// Tapping a button reads its list; tapping it again, or another one, stops. While reading, the button has
// data-state="loading" or "playing" and data-playing-index (the clip being read); at the end data-state="idle"
// and data-played="true".
//
// window.kioskVoice = {
//   readScreen(section)  read every .read-aloud list inside section in order (when a screen appears);
//   stop()               stop reading (when leaving a screen);
//   autoplay             true when screens read themselves as they appear; setting it keeps the choice for this
//                        citizen (sessionStorage, cleared when the kiosk returns to its start) and updates any
//                        button.voice-autoplay (aria-pressed) that toggles it;
// }
// When autoplay is on, the screen shown on load (the first .screen not hidden, else the page) is read, and so is
// every section.screen that becomes visible later (its `hidden` attribute removed), whatever code steps through
// the screens; a screen that is hidden stops its reading. Stepping code may call readScreen and stop itself too:
// a second reading of the same screen replaces the first.
(function () {
  "use strict";

  var KEY = "voice-autoplay";
  var current = null; // { button, audio, cancelled }

  function clipsOf(button) {
    try {
      var list = JSON.parse(button.dataset.audioList || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return button.dataset.audio ? [button.dataset.audio] : [];
    }
  }

  function stop() {
    if (!current) { return; }
    current.cancelled = true;
    if (current.audio) { current.audio.pause(); }
    current.button.dataset.state = "idle";
    delete current.button.dataset.playingIndex;
    current = null;
  }

  function playOne(run, url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("audio " + response.status); }
      return response.blob();
    }).then(function (blob) {
      if (run.cancelled) { return null; }
      return new Promise(function (resolve) {
        var source = URL.createObjectURL(blob);
        var audio = new Audio(source);
        run.audio = audio;
        var finish = function () { URL.revokeObjectURL(source); resolve(); };
        audio.addEventListener("playing", function () { if (!run.cancelled) { run.button.dataset.state = "playing"; } });
        audio.addEventListener("ended", finish);
        audio.addEventListener("error", finish);
        audio.addEventListener("pause", function () { if (run.cancelled) { finish(); } });
        audio.play().catch(finish);
      });
    }).catch(function () { return null; }); // a missing clip is skipped: the next one is read
  }

  // Reads the clips in order; `button` shows the state of the whole reading.
  function read(button, clips) {
    stop();
    if (!clips.length) { return Promise.resolve(); }
    var run = { button: button, audio: null, cancelled: false };
    current = run;
    button.dataset.state = "loading";
    return clips.reduce(function (chain, url, index) {
      return chain.then(function () {
        if (run.cancelled) { return null; }
        button.dataset.playingIndex = String(index);
        return playOne(run, url);
      });
    }, Promise.resolve()).then(function () {
      if (run.cancelled) { return; }
      button.dataset.state = "idle";
      button.dataset.played = "true";
      delete button.dataset.playingIndex;
      if (current === run) { current = null; }
    });
  }

  function readScreen(section) {
    var buttons = Array.prototype.slice.call((section || document).querySelectorAll(".read-aloud"));
    if (!buttons.length) { return Promise.resolve(); }
    var clips = [];
    buttons.forEach(function (b) { clips = clips.concat(clipsOf(b)); });
    return read(buttons[0], clips);
  }

  function defaultAutoplay() {
    var marked = document.querySelector(".read-aloud[data-autoplay]");
    return !!marked && marked.dataset.autoplay === "true";
  }

  function getAutoplay() {
    var kept = null;
    try { kept = sessionStorage.getItem(KEY); } catch (e) { /* storage may be disabled */ }
    return kept === null ? defaultAutoplay() : kept === "on";
  }

  function showAutoplay(on) {
    document.querySelectorAll(".voice-autoplay").forEach(function (toggle) {
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  var voice = {
    readScreen: readScreen,
    stop: stop,
    get autoplay() { return getAutoplay(); },
    set autoplay(on) {
      try { sessionStorage.setItem(KEY, on ? "on" : "off"); } catch (e) { /* storage may be disabled */ }
      showAutoplay(!!on);
      if (!on) { stop(); }
    },
  };
  window.kioskVoice = voice;

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".read-aloud");
    var toggle = event.target.closest && event.target.closest(".voice-autoplay");
    if (toggle) {
      voice.autoplay = !voice.autoplay;
      if (voice.autoplay) { readScreen(document.querySelector(".screen:not([hidden])") || document); }
      return;
    }
    if (!button) { return; }
    if (current && current.button === button) { stop(); return; }
    read(button, clipsOf(button));
  });

  window.addEventListener("pagehide", stop);

  function watchScreens() {
    if (!window.MutationObserver) { return; }
    new MutationObserver(function (changes) {
      var shown = null;
      changes.forEach(function (change) {
        var screen = change.target;
        if (!screen.classList || !screen.classList.contains("screen")) { return; }
        if (screen.hidden) {
          if (current && screen.contains(current.button)) { stop(); }
        } else {
          shown = screen;
        }
      });
      if (shown && getAutoplay()) { readScreen(shown); }
    }).observe(document.body, { attributes: true, attributeFilter: ["hidden"], subtree: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showAutoplay(getAutoplay());
    watchScreens();
    if (getAutoplay()) { readScreen(document.querySelector(".screen:not([hidden])") || document); }
  });
})();
