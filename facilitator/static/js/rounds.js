/* Running the room, on the phone, the wall and the dashboard.
 *
 * The server stores a round's deadline; it runs no timer. This script counts down to that deadline on
 * the server's clock: every payload carries `server_now`, and `pvClock.offset` corrects the device's
 * clock with it, so every screen shows the same time. The state comes from the page (#round-state),
 * then from `round`, `wall` and `votes` events, and on every (re)connect from the `live` part of the
 * `watch` ack (see docs/api.md). When time is up the screens say so by themselves; the server refuses
 * late posts on its own clock (with a grace period for posts typed before the deadline).
 *
 * Phone: which kinds may be posted now, the participant's dots in a voting round. A new persona
 * (rotation) or a vote over every table's contributions reloads the page, keeping the typed text.
 * Wall: the view (by persona, one persona, ranking, pause), the spotlight, the ranking.
 * Dashboard: which round controls apply now, the tallies, what the wall shows.
 */
(function () {
  "use strict";

  var stateEl = document.getElementById("round-state");
  if (!stateEl) return;
  var initial = JSON.parse(stateEl.textContent);
  var role = initial.role;
  var extra = initial.extra || {};
  var strings = PV.json("i18n-rounds", {});
  var base = PV.json("i18n", {});
  var board = document.querySelector("[data-live]");
  var workshopId = board ? Number(board.dataset.workshop) : 0;

  var snap = null; // the latest `round` payload
  var wall = initial.live.wall || null;
  var votes = initial.live.votes || {};
  var ballot = initial.live.ballot || null;
  var closed = false;
  var lastPhase = null;

  /* -- the clock ----------------------------------------------------------------------------- */
  var clock = {
    offset: 0,
    now: function () { return Date.now() + clock.offset; },
    sync: function (serverNow) {
      var t = Date.parse(serverNow || "");
      if (!isNaN(t)) clock.offset = t - Date.now();
    }
  };
  window.pvClock = clock;

  /* A translated string with a user's text in it. A function replacement, because in a replacement
   * string "$&", "$'" and "$`" are patterns: a round named "$&" would show the placeholder instead. */
  function fill(template, placeholder, text) {
    return template.replace(placeholder, function () { return text; });
  }

  function fmt(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var m = Math.floor(s / 60);
    s = s % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  /* running | paused | timeup | ended | planned | none, on the corrected clock */
  function phase(r) {
    if (!r) return "none";
    if (r.status === "running" && r.deadline && clock.now() >= Date.parse(r.deadline)) return "timeup";
    if (r.status === "ended" && r.timed_out) return "timeup";
    return r.status;
  }

  function live(r) {
    var p = phase(r);
    return p === "running" || p === "paused";
  }

  function remaining(r) {
    if (!r || !r.duration_s) return null;
    if (r.status === "running" && r.deadline) return Math.max(0, Date.parse(r.deadline) - clock.now());
    if (r.status === "paused" || r.status === "planned") return r.remaining_ms || 0;
    return 0;
  }

  /* -- the banner ---------------------------------------------------------------------------- */
  var banner = document.querySelector("[data-round-banner]");

  function renderBanner() {
    if (!banner) return;
    var r = snap && snap.round;
    banner.hidden = !r;
    if (!r) return;
    var p = phase(r);
    banner.dataset.state = p;
    banner.querySelector("[data-round-name]").textContent = r.name;
    banner.querySelector("[data-round-prompt]").textContent = r.prompt;
    banner.querySelector("[data-round-state]").textContent = strings[p] || p;
    var clockEl = banner.querySelector("[data-round-clock]");
    var left = remaining(r);
    clockEl.hidden = left === null;
    if (left !== null) banner.querySelector("[data-countdown]").textContent = fmt(left);
  }

  /* -- the phone ----------------------------------------------------------------------------- */
  var form = document.querySelector("[data-post-form]");
  var note = document.querySelector("[data-posting-note]");
  var ballotStatus = document.querySelector("[data-ballot-status]");
  var draftKey = "pv-draft-" + workshopId;

  function openKinds(r) {
    if (!r) return ["need", "solution"]; // no round has started: the workshop takes both
    return live(r) ? r.kinds : [];
  }

  function renderForm() {
    if (!form || closed) return;
    var r = snap && snap.round;
    var kinds = openKinds(r);
    var radios = form.querySelectorAll('input[name="kind"]');
    var checked = form.querySelector('input[name="kind"]:checked');
    radios.forEach(function (radio) {
      radio.disabled = kinds.indexOf(radio.value) < 0;
      // «Hos oss» is offered only while a round opens it; the other kinds stay visible (disabled) as before.
      if (radio.value === "local") {
        radio.hidden = radio.disabled;
        form.querySelector('label[for="' + radio.id + '"]').hidden = radio.disabled;
      }
    });
    if (kinds.length && (!checked || checked.disabled)) form.querySelector('input[name="kind"][value="' + kinds[0] + '"]').checked = true;
    renderLocalFields();
    var localLane = document.querySelector("[data-local-lane]");
    if (localLane && kinds.indexOf("local") >= 0) localLane.hidden = false;
    form.querySelector('button[type="submit"]').disabled = !kinds.length;
    // Nothing to post in this round (time is up, a vote, the summary): the form steps aside, the text stays.
    form.hidden = !kinds.length;
    form.dataset.open = kinds.join(" ");
    if (note) {
      note.hidden = kinds.length > 0;
      note.textContent = r && r.voting && live(r) ? strings.posting_voting : strings.posting_closed;
    }
  }

  /* The «Hos oss» fields (municipality, grew from) belong to the kind «Hos oss»: shown and required with it. */
  function renderLocalFields() {
    var fields = form && form.querySelector("[data-local-fields]");
    if (!fields) return;
    var checked = form.querySelector('input[name="kind"]:checked');
    var on = !!(checked && checked.value === "local" && !checked.disabled);
    var was = fields.hidden;
    fields.hidden = !on;
    form.querySelector('input[name="municipality"]').required = on;
    if (on && was) form.dispatchEvent(new CustomEvent("pv:local-fields"));  // phone.js refreshes "grew from"
  }
  if (form) form.addEventListener("change", function (ev) { if (ev.target.name === "kind") renderLocalFields(); });

  function currentBallot() {
    var r = snap && snap.round;
    if (!r || !r.voting) return null;
    if (!ballot || ballot.round_id !== r.id) ballot = { round_id: r.id, dots: r.dots, used: 0, left: r.dots, voted: [] };
    ballot.dots = r.dots;
    ballot.left = Math.max(ballot.dots - ballot.used, 0);
    return ballot;
  }

  function renderBallot() {
    if (role !== "participant" || !board) return;
    var r = snap && snap.round;
    var b = currentBallot();
    var open = !!(b && live(r));
    board.querySelectorAll(".card").forEach(function (card) {
      var boxEl = card.querySelector('[data-field="vote-box"]');
      if (!boxEl) return;
      var inScope = r && (r.scope === "all" || Number(card.dataset.groupId) === extra.group_id);
      boxEl.hidden = !(open && inScope);
      var button = boxEl.querySelector("[data-vote]");
      var mine = !!(b && b.voted.indexOf(Number(card.dataset.id)) >= 0);
      button.setAttribute("aria-pressed", mine ? "true" : "false");
      button.textContent = mine ? strings.remove_dot : strings.give_dot;
    });
    board.dataset.voting = open ? "open" : "";
    if (ballotStatus) {
      ballotStatus.hidden = !b;
      if (b) {
        ballotStatus.textContent = open
          ? strings.dots_left.replace("{left}", b.left).replace("{dots}", b.dots)
          : strings.voting_closed;
      }
    }
  }

  function vote(button) {
    var card = button.closest(".card");
    var id = Number(card.dataset.id);
    var add = button.getAttribute("aria-pressed") !== "true";
    button.disabled = true;
    PV.postJSON(extra.votes_url, { contribution_id: id, dot: add })
      .then(function (r) {
        if (r.ok) {
          ballot = r.data.ballot;
          renderBallot();
        } else if (ballotStatus) {
          ballotStatus.hidden = false;
          ballotStatus.textContent = PV.errorMessage(r.data, base.error);
        }
      })
      .catch(function () { if (ballotStatus) ballotStatus.textContent = base.waiting; })
      .then(function () { button.disabled = false; });
  }

  function phoneNeedsReload(s) {
    if (role !== "participant" || !s) return false;
    var persona = s.groups ? s.groups[String(extra.group_id)] : undefined;
    if (persona !== undefined && persona !== extra.persona_id) return true;
    var r = s.round;
    var everyTable = !!(r && r.voting && r.scope === "all" && (r.status === "running" || r.status === "paused"));
    return everyTable !== !!extra.ballot_all;
  }

  function reloadPhone(s) {
    // Once per change: never loop if the server still renders the old view.
    var key = "pv-reloaded-" + workshopId;
    var sig = JSON.stringify([s.round && s.round.id, s.round && s.round.status, s.groups[String(extra.group_id)]]);
    try {
      if (sessionStorage.getItem(key) === sig) return;
      sessionStorage.setItem(key, sig);
      var ta = form && form.querySelector("textarea");
      if (ta && ta.value) sessionStorage.setItem(draftKey, ta.value);
    } catch (e) { /* storage unavailable: reload anyway */ }
    if (note) { note.hidden = false; note.textContent = strings.reloading; }
    window.location.reload();
  }

  if (form) {
    try {
      var draft = sessionStorage.getItem(draftKey);
      var ta = form.querySelector("textarea");
      if (draft && ta && !ta.value) ta.value = draft;
      sessionStorage.removeItem(draftKey);
    } catch (e) { /* ignore */ }
  }

  /* -- the wall ------------------------------------------------------------------------------ */
  var stage = document.querySelector("[data-wall-stage]");

  function cardClone(id) {
    var card = board && board.querySelector('.card[data-id="' + Number(id) + '"]');
    if (!card) return null;
    var copy = card.cloneNode(true);
    copy.removeAttribute("id");
    copy.classList.remove("fresh");
    return copy;
  }

  function renderWall() {
    if (!stage || !wall) return;
    stage.dataset.view = wall.view;
    stage.dataset.focus = wall.persona_id || "";
    stage.querySelectorAll("[data-persona-lane]").forEach(function (lane) {
      lane.classList.toggle("is-focus", wall.view === "persona" && Number(lane.dataset.personaLane) === wall.persona_id);
    });
    var spot = stage.querySelector("[data-spotlight]");
    var holder = spot.querySelector("[data-spotlight-card]");
    holder.textContent = "";
    var copy = wall.spotlight_id ? cardClone(wall.spotlight_id) : null;
    if (copy) holder.appendChild(copy);
    spot.hidden = !copy;
    var next = stage.querySelector("[data-pause-next]");
    if (next) next.textContent = snap && snap.next ? fill(strings.next, "{name}", snap.next.name) : "";
    renderRanking();
  }

  function renderRanking() {
    var list = stage && stage.querySelector("[data-ranking-list]");
    if (!list || !wall || wall.view !== "ranking") return;
    var counts = wall.votes || votes || {};
    var cards = Array.prototype.slice.call(board.querySelectorAll(".card"));
    cards = cards.filter(function (c) { return (counts[c.dataset.id] || 0) > 0; });
    cards.sort(function (a, b) {
      return (counts[b.dataset.id] || 0) - (counts[a.dataset.id] || 0) || Number(a.dataset.id) - Number(b.dataset.id);
    });
    list.textContent = "";
    cards.slice(0, 10).forEach(function (card) {
      var li = document.createElement("li");
      var copy = cardClone(card.dataset.id);
      var n = counts[card.dataset.id] || 0;
      var badge = copy.querySelector('[data-field="votes"]');
      badge.hidden = false;
      badge.textContent = strings.dots.replace("{n}", n);
      li.dataset.id = card.dataset.id;
      li.dataset.votes = n;
      li.appendChild(copy);
      list.appendChild(li);
    });
  }

  /* -- the dashboard ------------------------------------------------------------------------- */
  var panel = document.querySelector("[data-run-panel]");

  function renderPanel() {
    if (!panel) return;
    var r = snap && snap.round;
    var p = phase(r);
    var isLive = p === "running" || p === "paused";
    var start = panel.querySelector('[data-control="start"]');
    if (start) {
      start.hidden = isLive || !(snap && snap.next);
      if (snap && snap.next) start.querySelector("[data-next-name]").textContent = snap.next.name;
    }
    var show = {
      pause: isLive && p === "running",
      resume: isLive && p === "paused",
      extend: isLive && !!(r && r.duration_s),
      end: isLive
    };
    Object.keys(show).forEach(function (action) {
      var f = panel.querySelector('[data-control="' + action + '"]');
      if (!f) return;
      f.hidden = !show[action];
      if (r) f.setAttribute("action", panel.dataset.roundsBase + "/" + r.id + "/" + action);
    });
    var next = panel.querySelector("[data-run-next]");
    if (next && snap) next.textContent = snap.next ? fill(strings.next, "{name}", snap.next.name) : (r ? strings.no_next : "");
  }

  function renderWallControls() {
    if (!panel || !wall) return;
    panel.querySelectorAll('[data-wall-form] button[name="view"]').forEach(function (b) {
      b.setAttribute("aria-pressed", b.value === wall.view ? "true" : "false");
    });
    var off = panel.querySelector("[data-spotlight-off]");
    if (off) off.hidden = !wall.spotlight_id;
    if (board) {
      board.querySelectorAll(".card").forEach(function (card) {
        card.classList.toggle("is-spotlit", Number(card.dataset.id) === wall.spotlight_id);
      });
    }
  }

  function renderTallies() {
    if (role !== "facilitator" || !board) return;
    board.querySelectorAll(".card").forEach(function (card) {
      var el = card.querySelector('[data-field="votes"]');
      if (!el) return;
      var n = votes[card.dataset.id] || 0;
      el.hidden = n === 0;
      el.dataset.votes = n;
      el.textContent = strings.dots.replace("{n}", n);
    });
  }

  /* -- applying state ------------------------------------------------------------------------ */
  function setRound(s) {
    if (!s) return;
    clock.sync(s.server_now);
    snap = s;
    lastPhase = phase(s.round);
    if (phoneNeedsReload(s)) { reloadPhone(s); return; }
    renderAll();
  }

  function renderAll() {
    renderBanner();
    renderForm();
    renderBallot();
    renderPanel();
    renderWall();
    renderWallControls();
    renderTallies();
  }

  setRound(initial.live.round);

  // The countdown; when the phase changes on the clock (time is up), everything follows.
  window.setInterval(function () {
    if (!snap || !snap.round) return;
    var p = phase(snap.round);
    if (p !== lastPhase) {
      lastPhase = p;
      renderAll();
    } else {
      renderBanner();
    }
  }, 250);

  document.addEventListener("pv:synced", function (ev) {
    var liveState = ev.detail && ev.detail.live;
    if (ev.detail && ev.detail.status === "closed") closed = true;
    if (!liveState) return;
    if (liveState.wall) wall = liveState.wall;
    if (liveState.votes) votes = liveState.votes;
    if (liveState.ballot) ballot = liveState.ballot;
    setRound(liveState.round);
  });

  document.addEventListener("pv:applied", function () {
    renderBallot();
    renderTallies();
    if (stage) renderWall();
  });

  if (board) {
    board.addEventListener("click", function (ev) {
      var button = ev.target.closest("[data-vote]");
      if (button) { ev.preventDefault(); vote(button); }
    });
  }

  var socket = window.pvLive && window.pvLive.socket;
  if (socket) {
    socket.on("round", function (s) { if (s.workshop_id === workshopId) setRound(s); });
    socket.on("wall", function (w) {
      if (w.workshop_id !== workshopId) return;
      wall = w;
      if (w.votes) votes = w.votes;
      renderWall();
      renderWallControls();
    });
    socket.on("votes", function (v) {
      if (v.workshop_id !== workshopId) return;
      votes = v.votes;
      if (wall && wall.view === "ranking") wall.votes = v.votes;
      renderTallies();
      renderRanking();
    });
    socket.on("workshop", function (w) { if (w.workshop_id === workshopId && w.status === "closed") closed = true; });
  }

  window.pvRounds = { clock: clock, state: function () { return { round: snap, wall: wall, votes: votes, ballot: ballot }; } };
})();
