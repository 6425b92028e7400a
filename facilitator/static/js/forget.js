/* After "delete everything I wrote": this browser forgets what it kept for the workshop (the outbox of
 * unsent posts, the draft, the ids of its own contributions: every localStorage key "pv-...-<id>"). */
(function () {
  "use strict";
  var el = document.querySelector("[data-forget-workshop]");
  if (!el) return;
  var suffix = "-" + el.dataset.forgetWorkshop;
  try {
    var doomed = [];
    for (var i = 0; i < localStorage.length; i++) {
      var key = localStorage.key(i);
      if (key && key.indexOf("pv-") === 0 && key.slice(-suffix.length) === suffix) doomed.push(key);
    }
    doomed.forEach(function (key) { localStorage.removeItem(key); });
  } catch (e) { /* storage unavailable: nothing was kept */ }
})();
