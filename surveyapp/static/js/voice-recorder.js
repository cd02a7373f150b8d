// Recording voice prompts in the browser (office page /office/voices/<instrument>/<version>/<language>).
// Each row .prompt-row[data-prompt] has Record, Stop and Keep buttons and an <audio> to listen with. Record asks
// for the microphone (MediaRecorder), Stop ends the take and loads it into the row's player, Keep uploads it as
// multipart (prompt, clip, csrf_token) to #voice-recorder[data-upload-url]; the server answers JSON with the URL
// of the kept clip, or a sentence saying why it refused it. Nothing is published here.
(function () {
  "use strict";

  var root = document.getElementById("voice-recorder");
  if (!root) { return; }
  var support = document.querySelector(".voice-support");
  if (!navigator.mediaDevices || !window.MediaRecorder) {
    support.textContent = support.dataset.unsupported;
    support.hidden = false;
    root.querySelectorAll(".record").forEach(function (b) { b.disabled = true; });
    return;
  }

  var active = null; // { row, recorder, stream, chunks }

  function say(row, text) { row.querySelector(".state").textContent = text; }

  function preferredType() {
    var types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];
    for (var i = 0; i < types.length; i++) {
      if (MediaRecorder.isTypeSupported(types[i])) { return types[i]; }
    }
    return "";
  }

  function start(row) {
    if (active) { stop(); }
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var options = { audioBitsPerSecond: 48000 };
      var type = preferredType();
      if (type) { options.mimeType = type; }
      var recorder = new MediaRecorder(stream, options);
      var take = { row: row, recorder: recorder, stream: stream, chunks: [] };
      recorder.addEventListener("dataavailable", function (event) {
        if (event.data && event.data.size) { take.chunks.push(event.data); }
      });
      recorder.addEventListener("stop", function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        var blob = new Blob(take.chunks, { type: (recorder.mimeType || type || "audio/webm") });
        row.pending = blob;
        var player = row.querySelector("audio");
        player.src = URL.createObjectURL(blob);
        player.hidden = false;
        row.querySelector(".keep").hidden = false;
        say(row, root.dataset.recordedText);
      });
      active = take;
      recorder.start();
      row.querySelector(".record").hidden = true;
      row.querySelector(".stop").hidden = false;
      row.querySelector(".keep").hidden = true;
      say(row, root.dataset.recordingText);
    }).catch(function () { say(row, root.dataset.noMicrophoneText); });
  }

  function stop() {
    if (!active) { return; }
    var row = active.row;
    active.recorder.stop();
    active = null;
    row.querySelector(".stop").hidden = true;
    row.querySelector(".record").hidden = false;
  }

  function keep(row) {
    if (!row.pending) { return; }
    var body = new FormData();
    body.append("csrf_token", root.dataset.csrf);
    body.append("prompt", row.dataset.prompt);
    var suffix = row.pending.type.indexOf("ogg") >= 0 ? ".ogg" : row.pending.type.indexOf("mp4") >= 0 ? ".m4a" : ".webm";
    body.append("clip", row.pending, "clip" + suffix);
    var button = row.querySelector(".keep");
    button.disabled = true;
    say(row, root.dataset.savingText);
    fetch(root.dataset.uploadUrl, {
      method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        button.disabled = false;
        if (!result.ok) { say(row, root.dataset.failedText + " " + result.data.message); return; }
        row.pending = null;
        button.hidden = true;
        row.dataset.kept = result.data.id;
        row.querySelector("audio").src = result.data.url;
        say(row, result.data.status);
      })
      .catch(function () {
        button.disabled = false;
        say(row, root.dataset.failedText + " " + root.dataset.networkText);
      });
  }

  root.addEventListener("click", function (event) {
    var row = event.target.closest(".prompt-row");
    if (!row) { return; }
    if (event.target.closest(".record")) { start(row); }
    else if (event.target.closest(".stop")) { stop(); }
    else if (event.target.closest(".keep")) { keep(row); }
  });
})();
