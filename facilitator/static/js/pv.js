/* Helpers the page scripts share (window.PV). Loaded first, before live.js, phone.js, rounds.js,
 * control.js, tags.js, themeboard.js, themepanel.js, report.js and report_editor.js; a plain script, no
 * build step.
 *
 * - PV.csrf(): the CSRF token of the page (<meta name="csrf-token">, base.html), "" without one;
 * - PV.post(url, body, signal): POST `body` as JSON with fetch (same origin, the X-CSRFToken header, asks
 *   for JSON); the fetch promise, for callers that look at the response themselves;
 * - PV.postJSON(url, body, options): the same, answered as { ok, resp, data } with the answer's JSON in
 *   `data`. An answer that is not JSON rejects, like a lost network, unless options.lenient (then `data`
 *   is {});
 * - PV.errorMessage(data, fallback): the message of an `{error: {message}}` answer (or a Socket.IO ack),
 *   else `fallback`;
 * - PV.json(id, fallback): the JSON in <script type="application/json" id="...">, else `fallback`;
 * - PV.say(el, text, state): put a message in a status line (an aria-live region); with `state`, also its
 *   data-state (online, offline, error, saving, ...). Nothing without the element;
 * - PV.button(className, text): a <button type="button">;
 * - PV.fromTemplate(id, replacements): the first element of <template id>, each key of `replacements`
 *   replaced in its HTML (the server renders the same macro into the page and into the template);
 * - PV.personaLine(ids, names): the names of persona ids (`names`: id -> name), comma separated;
 * - PV.keepTrying(socket): for a page's live connection, refusals that pass by waiting (docs/api.md).
 *   When the server failed while accepting the connection (connect_error with data.code "server_error")
 *   it connects again later (socket.io-client does not retry a refusal by itself; a refused credential,
 *   without a code, is not retried). It answers a function `afterWatch(ack, watch)` for every `watch` ack:
 *   a refusal that passes (server_error, rate_limited) sends `watch` again later while connected. Each
 *   waits about 1 s, then twice as long each time up to 30 s (spread by ±50 %, so that a room of phones
 *   does not ask at once), until it succeeds.
 */
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return (meta && meta.content) || "";
  }

  function post(url, body, signal) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body || {}),
      signal: signal
    });
  }

  function postJSON(url, body, options) {
    var lenient = !!(options && options.lenient);
    return post(url, body, options && options.signal).then(function (resp) {
      var data = lenient ? resp.json().catch(function () { return {}; }) : resp.json();
      return data.then(function (d) { return { ok: resp.ok, resp: resp, data: d }; });
    });
  }

  function errorMessage(data, fallback) {
    return (data && data.error && data.error.message) || fallback;
  }

  function json(id, fallback) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : fallback;
  }

  function say(el, text, state) {
    if (!el) return;
    el.textContent = text || "";
    if (state !== undefined) el.dataset.state = state;
  }

  function button(className, text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    return b;
  }

  function fromTemplate(id, replacements) {
    var tpl = document.getElementById(id);
    var html = tpl.innerHTML;
    Object.keys(replacements || {}).forEach(function (key) {
      html = html.split(key).join(replacements[key]);
    });
    var box = document.createElement("div");
    box.innerHTML = html.trim();
    return box.firstElementChild;
  }

  function personaLine(ids, names) {
    return (ids || []).map(function (p) { return names[String(p)] || ""; }).filter(Boolean).join(", ");
  }

  var PASSING = { server_error: true, rate_limited: true };

  function backoff() {
    var delay = 1000;
    return {
      later: function (fn) {
        window.setTimeout(fn, delay * (0.5 + Math.random()));
        delay = Math.min(delay * 2, 30000);
      },
      reset: function () { delay = 1000; }
    };
  }

  function keepTrying(socket) {
    var connecting = backoff();
    var watching = backoff();
    socket.on("connect", connecting.reset);
    socket.on("connect_error", function (err) {
      if (!err || !err.data || err.data.code !== "server_error" || socket.active) return;
      connecting.later(function () { if (!socket.connected) socket.connect(); });
    });
    return function afterWatch(ack, watch) {
      if (ack && ack.ok) {
        watching.reset();
      } else if (ack && ack.error && PASSING[ack.error.code]) {
        watching.later(function () { if (socket.connected) watch(); });
      }
    };
  }

  window.PV = {
    csrf: csrf,
    post: post,
    postJSON: postJSON,
    errorMessage: errorMessage,
    json: json,
    say: say,
    button: button,
    fromTemplate: fromTemplate,
    personaLine: personaLine,
    keepTrying: keepTrying
  };
})();
