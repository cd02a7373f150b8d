// The offline kiosk's service worker (served at /kiosk/sw.js, scope /kiosk/). The kiosk page puts everything
// it needs into the cache named below; this worker answers from that cache first and refreshes the copy from
// the network whenever it can. The JSON API is never cached: answers go through the page's queue.
"use strict";
var CACHE = "__CACHE_NAME__";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("surveyapp-kiosk-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function cacheable(url) {
  return url.origin === self.location.origin &&
    (url.pathname.indexOf("/kiosk/") === 0 || url.pathname.indexOf("/static/") === 0) &&
    url.pathname !== "/kiosk/sw.js";
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || !cacheable(url)) { return; }
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (cached) {
      var refreshed = fetch(request).then(function (response) {
        if (response.ok && response.status === 200) { return cache.put(request, response.clone()).then(function () { return response; }); }
        return response;
      });
      if (cached) {
        event.waitUntil(refreshed.catch(function () {}));
        return cached;
      }
      return refreshed;
    });
  }));
});
