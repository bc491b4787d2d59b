// Học Vụ Số service worker (issue #14): progressive enhancement, no framework. Pages always
// come from the network first; the cache answers only when the network does not. Caches:
// hv-shell-N (stylesheet, scripts, the offline page), hv-course-<id> (a course the learner
// downloaded: its pages, images and narration), hv-queue (lesson completions made offline,
// sent again with an idempotency key when the network is back; the server counts each once).
var SHELL = "hv-shell-1";
var QUEUE = "hv-queue";
var COMPLETE = /^\/courses\/[^/]+\/lessons\/[^/]+\/complete$/;

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(SHELL).then(function (c) {
    return c.addAll(["/static/site.css", "/static/offline.js", "/static/narration.js", "/offline"]);
  }));
  self.skipWaiting();
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("hv-shell-") === 0 && k !== SHELL;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (e) {
  var req = e.request;
  var url = new URL(req.url);
  if (url.origin !== location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (req.method === "POST" && COMPLETE.test(url.pathname)) {
    e.respondWith(completeOrQueue(req));
  } else if (req.method === "GET") {
    e.respondWith(fetch(req).catch(function () {
      return caches.match(req, { ignoreVary: true }).then(function (hit) {
        return hit || (req.mode === "navigate" ? caches.match("/offline") : Response.error());
      });
    }));
  }
});

// A completion: sent at once when possible; offline, kept with a fresh idempotency key.
function completeOrQueue(req) {
  return req.clone().text().then(function (body) {
    return fetch(req).catch(function () {
      var key = self.crypto.randomUUID();
      var item = { url: req.url, body: body + "&replay_key=" + key, at: Date.now() };
      return caches.open(QUEUE).then(function (q) {
        return q.put("/__queue/" + key, new Response(JSON.stringify(item)));
      }).then(function () {
        if (self.registration.sync) self.registration.sync.register("replay").catch(function () {});
        return Response.redirect("/offline?queued=1", 303);
      });
    });
  });
}

// Sends what waits in the queue, oldest first; stops at the first network failure. An answer
// that is not a sign-in page ends the item (done, or refused for good); a sign-in page keeps it.
function replay() {
  return caches.open(QUEUE).then(function (q) {
    return q.keys().then(function (reqs) {
      return reqs.reduce(function (p, r) {
        return p.then(function () {
          return q.match(r).then(function (m) { return m.json(); }).then(function (item) {
            return fetch(item.url, {
              method: "POST",
              body: item.body,
              credentials: "same-origin",
              headers: { "Content-Type": "application/x-www-form-urlencoded" }
            }).then(function (resp) {
              var signIn = new URL(resp.url).pathname === "/login" || resp.status === 401 || resp.status === 403;
              if (!signIn && resp.status !== 429 && resp.status < 500) return q.delete(r);
            });
          });
        });
      }, Promise.resolve());
    });
  }).catch(function () {});
}

self.addEventListener("sync", function (e) { if (e.tag === "replay") e.waitUntil(replay()); });
self.addEventListener("message", function (e) { if (e.data === "replay") e.waitUntil(replay()); });
