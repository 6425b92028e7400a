/* The summary editor: live preview and autosave, and nothing typed is lost on a reload.
 *
 * Every keystroke is kept at once in localStorage (a draft per workshop). After a pause the fields are
 * saved with fetch (JSON, X-CSRFToken) to the same URL the plain form posts to; the answer carries the
 * server-rendered, sanitized preview, which replaces the preview boxes. When the save succeeds and nothing
 * changed meanwhile the draft is dropped. On load a draft that differs from the saved text is restored and
 * saved. Without JavaScript the form's Save button does the same in one request.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-report-editor]");
  if (!form) return;
  var fields = ["organisers", "summary", "method_note", "invite_note"];
  var key = form.dataset.draftKey;
  var stateEl = form.querySelector("[data-save-state]");
  var timer = null;
  var inFlight = false;
  var pending = false;

  function values() {
    var out = {};
    fields.forEach(function (name) { out[name] = form.elements[name].value; });
    return out;
  }

  function same(a, b) {
    return fields.every(function (name) { return (a[name] || "") === (b[name] || ""); });
  }

  function say(text, state) {
    PV.say(stateEl, text, state);
  }

  function keepDraft() {
    try { localStorage.setItem(key, JSON.stringify({ values: values(), at: Date.now() })); } catch (e) { /* private mode */ }
  }

  function dropDraft(sent) {
    try {
      var draft = JSON.parse(localStorage.getItem(key) || "null");
      if (!draft || same(draft.values, sent)) localStorage.removeItem(key);
    } catch (e) { /* ignore */ }
  }

  function save() {
    timer = null;
    if (inFlight) { pending = true; return; }
    inFlight = true;
    var sent = values();
    say(form.dataset.textSaving, "saving");
    PV.postJSON(form.action, sent)
      .then(function (res) {
        if (!res.ok || !res.data.ok) {
          say(PV.errorMessage(res.data, form.dataset.textError), "error");
          return;
        }
        form.dataset.revision = res.data.revision;
        Object.keys(res.data.preview).forEach(function (name) {
          var el = document.getElementById(name + "-preview");
          if (el && same(sent, values())) el.innerHTML = res.data.preview[name]; // sanitized by the server
        });
        dropDraft(sent);
        var time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
        say(form.dataset.textSaved.replace("{time}", time), "saved");
      })
      .catch(function () { say(form.dataset.textError, "error"); })
      .then(function () {
        inFlight = false;
        if (pending) { pending = false; schedule(300); }
      });
  }

  function schedule(delay) {
    if (timer !== null) window.clearTimeout(timer);
    timer = window.setTimeout(save, delay);
  }

  fields.forEach(function (name) {
    form.elements[name].addEventListener("input", function () {
      keepDraft();
      schedule(700);
    });
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (timer !== null) window.clearTimeout(timer);
    save();
  });
  window.addEventListener("online", function () { schedule(100); });

  try {
    var draft = JSON.parse(localStorage.getItem(key) || "null");
    if (draft && draft.values && !same(draft.values, values())) {
      fields.forEach(function (name) {
        if (typeof draft.values[name] === "string") form.elements[name].value = draft.values[name];
      });
      say(form.dataset.textRestored, "saving");
      schedule(100);
    } else if (draft) {
      localStorage.removeItem(key);
    }
  } catch (e) { /* ignore */ }
  form.dataset.ready = "1";
})();
