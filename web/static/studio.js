// The studio's forms work without this script. With it: a question form shows only the fields
// its type uses, and the lesson and question previews follow the text as it is typed (the
// server renders them, exactly as the "Xem trước" button does).
(function () {
  "use strict";
  var type = document.getElementById("type");
  function showFor() {
    if (!type) return;
    document.querySelectorAll("[data-for]").forEach(function (el) {
      el.hidden = el.getAttribute("data-for").split(" ").indexOf(type.value) < 0;
    });
  }
  if (type) {
    type.addEventListener("change", showFor);
    showFor();
  }
  var form = document.getElementById("lesson-form") || document.getElementById("question-form");
  if (!form || !window.fetch || !window.DOMParser) return;
  var timer = null;
  var busy = false;
  function refresh() {
    if (busy) { timer = setTimeout(refresh, 400); return; }
    busy = true;
    var data = new URLSearchParams(new FormData(form));
    data.set("action", "preview");
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("preview");
        var old = document.getElementById("preview");
        if (fresh && old) {
          old.replaceWith(fresh);
        } else if (fresh) {
          form.after(fresh);
        }
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 700);
  });
})();
