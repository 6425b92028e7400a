/* Helpers the page scripts share (window.PV). Loaded first, before live.js, phone.js, rounds.js,
 * control.js, tags.js, themeboard.js, report.js and report_editor.js; a plain script, no build step.
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
 * - PV.button(className, text): a <button type="button">.
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

  window.PV = {
    csrf: csrf,
    post: post,
    postJSON: postJSON,
    errorMessage: errorMessage,
    json: json,
    say: say,
    button: button
  };
})();
