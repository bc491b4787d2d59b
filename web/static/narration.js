// The lesson player's speed choice (0.75×, 1×, 1.25×). Progressive enhancement: without this
// script the choice stays hidden and the player plays at normal speed.
(function () {
  var choice = document.getElementById("narration-speed");
  var audio = document.getElementById("narration");
  if (!choice || !audio) return;
  choice.hidden = false;
  choice.addEventListener("change", function (e) {
    var rate = parseFloat(e.target.value);
    if (rate > 0) audio.playbackRate = rate;
  });
})();
