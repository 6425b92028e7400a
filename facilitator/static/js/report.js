/* The report page while the workshop runs: it watches the workshop over Socket.IO (a share link's token,
 * or the facilitator's session cookie) and, when contributions change, fetches the report section again
 * from the server and swaps it in. The server renders it (one template for page, PDF and this), so a
 * hidden or edited contribution looks the same here as in every download. No polling: one fetch per burst
 * of changes, at most every two seconds.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-report-live]");
  if (!box || typeof window.io !== "function") return;

  var workshopId = Number(box.dataset.workshop);
  var seq = Number(box.dataset.seq || 0);
  var statusEl = document.querySelector("[data-report-status]");
  var auth = box.dataset.reportToken ? { report: box.dataset.reportToken } : {};
  var timer = null;
  var busy = false;
  var again = false;

  function say(text, state) {
    PV.say(statusEl, text, state);
  }

  function refresh() {
    timer = null;
    if (busy) { again = true; return; }
    busy = true;
    fetch(box.dataset.fragment, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (resp) {
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        var newSeq = Number(resp.headers.get("X-Report-Seq") || seq);
        return resp.text().then(function (html) {
          box.innerHTML = html;
          if (newSeq > seq) seq = newSeq;
          box.dataset.seq = String(seq);
          say(box.dataset.updatedText, "online");
          document.dispatchEvent(new CustomEvent("pv:report-updated", { detail: { seq: seq } }));
        });
      })
      .catch(function () { say(box.dataset.offlineText, "offline"); })
      .then(function () {
        busy = false;
        if (again) { again = false; schedule(); }
      });
  }

  function schedule() {
    if (timer === null) timer = window.setTimeout(refresh, 2000);
  }

  function soon() {
    if (timer !== null) return;
    timer = window.setTimeout(refresh, 150);
  }

  var socket = window.io({ auth: auth, reconnectionDelayMax: 5000 });
  window.pvReport = { socket: socket };

  var afterWatch = PV.keepTrying(socket);

  function watch() {
    socket.emit("watch", { workshop_id: workshopId, since: seq }, function (ack) {
      afterWatch(ack, watch);
      if (!ack || !ack.ok) { say(PV.errorMessage(ack, ""), "error"); return; }
      box.dataset.synced = "1";
      if (ack.changes.length || ack.status !== box.dataset.status) soon();
      document.dispatchEvent(new CustomEvent("pv:report-watching"));
    });
  }

  socket.on("connect", watch);
  socket.on("disconnect", function () { say(box.dataset.offlineText, "offline"); });
  socket.on("contribution", function (c) { if (c.workshop_id === workshopId) schedule(); });
  socket.on("participants", function (p) { if (p.workshop_id === workshopId) schedule(); });
  socket.on("workshop", function (w) { if (w.workshop_id === workshopId) { box.dataset.status = w.status; soon(); } });
})();
