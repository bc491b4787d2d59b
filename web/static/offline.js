// Offline learning (issue #14), progressive enhancement: without this script (or without
// service workers) every page works online as before. Registers the service worker, downloads
// a course for offline use, lists and removes what is stored, sends queued completions.
(function () {
  if (!("serviceWorker" in navigator) || !window.caches) return;
  navigator.serviceWorker.register("/sw.js").catch(function () {});
  function replay() {
    if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("replay");
  }
  window.addEventListener("online", replay);
  replay();
  function $(id) { return document.getElementById(id); }
  function kb(n) { return Math.max(1, Math.round(n / 1024)).toLocaleString(document.documentElement.lang) + " KB"; }
  function say(el, text) { if (el) el.textContent = text; }

  // Signing out leaves nothing of the learner on the phone.
  document.addEventListener("submit", function (e) {
    var a = e.target.getAttribute("action") || "";
    if (a.indexOf("/logout") === 0) caches.keys().then(function (ks) {
      ks.forEach(function (k) { if (k.indexOf("hv-course-") === 0 || k === "hv-queue") caches.delete(k); });
    });
  });

  var box = $("offline-download");
  if (box) {
    box.hidden = false;
    var button = box.querySelector("button");
    var status = $("offline-status");
    var course = box.getAttribute("data-course");
    button.addEventListener("click", function () {
      button.disabled = true;
      say(status, box.getAttribute("data-working"));
      fetch("/courses/" + course + "/offline.json", { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw r; return r.json(); })
        .then(function (list) {
          return caches.open("hv-course-" + course).then(function (c) {
            return list.urls.reduce(function (p, u, i) {
              return p.then(function () {
                say(status, box.getAttribute("data-progress").replace("{n}", i + 1).replace("{total}", list.urls.length));
                return c.add(u);
              });
            }, Promise.resolve());
          });
        })
        .then(function () { say(status, box.getAttribute("data-done")); })
        .catch(function () { say(status, box.getAttribute("data-failed")); })
        .then(function () { button.disabled = false; });
    });
  }

  var stored = $("offline-stored");
  if (stored) {
    $("offline-needs-script").hidden = true;
    var render = function () {
      caches.keys().then(function (keys) {
        var courses = keys.filter(function (k) { return k.indexOf("hv-course-") === 0; });
        stored.textContent = "";
        $("offline-empty").hidden = courses.length > 0;
        courses.forEach(function (k) {
          caches.open(k).then(function (c) { return c.keys().then(function (reqs) {
            return Promise.all(reqs.map(function (r) {
              return c.match(r).then(function (m) { return m.blob(); }).then(function (b) { return b.size; });
            })).then(function (sizes) {
              var li = document.createElement("li");
              var id = k.slice("hv-course-".length);
              var link = document.createElement("a");
              link.href = "/courses/" + id;
              link.textContent = id;
              li.appendChild(link);
              li.appendChild(document.createTextNode(" — " + reqs.length + " · " + kb(sizes.reduce(function (a, b) { return a + b; }, 0)) + " "));
              var rm = document.createElement("button");
              rm.type = "button";
              rm.className = "secondary";
              rm.setAttribute("data-remove", id);
              rm.textContent = stored.getAttribute("data-remove");
              rm.addEventListener("click", function () { caches.delete(k).then(render); });
              li.appendChild(rm);
              stored.appendChild(li);
            });
          }); });
        });
      });
      caches.open("hv-queue").then(function (q) { return q.keys(); }).then(function (reqs) {
        say($("offline-queued"), reqs.length ? $("offline-queued").getAttribute("data-text").replace("{n}", reqs.length) : "");
      });
      if (navigator.storage && navigator.storage.estimate) navigator.storage.estimate().then(function (est) {
        say($("offline-usage"), $("offline-usage").getAttribute("data-text").replace("{used}", kb(est.usage || 0)));
      });
    };
    render();
  }
})();
