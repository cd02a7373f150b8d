// The tablet's persistent storage (IndexedDB): the device record (token, counter, partial policy), the queue of
// answers waiting to be sent, and answers the server refused (kept, never deleted). Nothing here expires.
(function () {
  "use strict";
  var NAME = "surveyapp-kiosk";
  var opening = null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open(NAME, 1);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("device", { keyPath: "key" });
          db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
          db.createObjectStore("held", { keyPath: "seq", autoIncrement: true });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opening;
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var result;
        var request = work(tx.objectStore(store));
        if (request) { request.onsuccess = function () { result = request.result; }; }
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  window.KioskStore = {
    device: function () { return run("device", "readonly", function (s) { return s.get("device"); }); },
    saveDevice: function (record) {
      record.key = "device";
      return run("device", "readwrite", function (s) { return s.put(record); });
    },
    // Resolves once the answers are durably in the queue.
    enqueue: function (item) { return run("queue", "readwrite", function (s) { return s.add(item); }); },
    oldest: function () {
      return run("queue", "readonly", function (s) { return s.getAll(null, 1); }).then(function (items) {
        return items && items.length ? items[0] : null;
      });
    },
    remove: function (seq) { return run("queue", "readwrite", function (s) { return s.delete(seq); }); },
    count: function () { return run("queue", "readonly", function (s) { return s.count(); }); },
    // Move a refused item out of the queue in one transaction, so it is never in both stores or in neither.
    hold: function (item, problem) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(["queue", "held"], "readwrite");
          tx.objectStore("held").add({ body: item.body, problem: problem, queued_seq: item.seq });
          tx.objectStore("queue").delete(item.seq);
          tx.oncomplete = function () { resolve(); };
          tx.onerror = function () { reject(tx.error); };
        });
      });
    },
    heldCount: function () { return run("held", "readonly", function (s) { return s.count(); }); },
  };
})();
