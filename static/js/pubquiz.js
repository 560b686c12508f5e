// pubquiz's only script of its own. Everything works without it; it adds, among smaller things:
// 1. htmx requests carry the page's CSRF token as a header, because fragments pushed to many
//    clients at once cannot carry any one client's token.
// 2. Destructive controls ask in a dialog before they send (the server insists on it).
// 3. Countdown bars follow the server's deadline even when a fragment arrives late (a replay
//    after a reconnect): the page knows how far its clock is from the server's.
(function () {
  "use strict";
  var serverNow = Number(document.body.dataset.serverNow || Date.now());
  var offset = serverNow - Date.now();

  document.addEventListener("htmx:config:request", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.ctx.request.headers["X-CSRF-Token"] = meta.content;
  });

  function syncCountdowns() {
    var now = Date.now() + offset;
    // A paused game's bar stands still: its deadline moves when the game resumes.
    document.querySelectorAll(".countdown[data-deadline]:not(.paused)").forEach(function (el) {
      var left = Math.max(0, (Number(el.dataset.deadline) - now) / 1000);
      var seconds = el.querySelector(".seconds");
      if (seconds) seconds.textContent = String(Math.ceil(left));
      if (el.dataset.synced) return;
      el.dataset.synced = "1";
      var total = parseFloat(el.style.getPropertyValue("--left")) /
                  (parseFloat(el.style.getPropertyValue("--fraction")) || 1);
      el.style.setProperty("--left", left.toFixed(2) + "s");
      el.style.setProperty("--fraction", total ? Math.min(1, left / total).toFixed(4) : "0");
    });
  }

  // A request that failed must say so: htmx would otherwise do nothing (no connection) or swap a
  // whole error page into a button. The message goes where the person tapped, or to the top.
  // What this script says, in the page's language: base.html puts the words on <body>.
  var words = document.body.dataset;

  function say(event, text) {
    var problem = document.createElement("p");
    problem.className = "problem";
    problem.setAttribute("role", "alert");
    problem.textContent = text;
    var box = event.target.closest && event.target.closest("#answer-box");
    if (box) {
      var old = box.querySelector(".problem");
      if (old) old.remove();
      box.prepend(problem);
    } else {
      var flash = document.getElementById("flash");
      if (flash) flash.replaceChildren(problem);
    }
  }

  function fromStream(event) {
    return event.target.closest && event.target.closest(".stream");
  }

  document.addEventListener("htmx:error", function (event) {
    if (fromStream(event)) return;  // streams reconnect by themselves
    // Also a timeout: the answer may have arrived and only the reply been lost. Tapping the same
    // answer again is safe (it counts once), so that is what the message asks for.
    say(event, words.sayNoReply);
  });

  document.addEventListener("htmx:response:error", function (event) {
    if (fromStream(event)) return;
    var page = new DOMParser().parseFromString(event.detail.ctx.text || "", "text/html");
    var message = page.querySelector(".error-page p");
    say(event, message ? message.textContent : words.sayFailed);
  });

  // body.live while the page's stream is connected; body.reconnecting once it was and is not,
  // which shows the "Reconnecting…" notice. hx-sse fires before:connection before each reconnect
  // attempt, also when the server ended the stream cleanly (no error event then); close means
  // it gave up or the stream left the page: nothing is reconnecting.
  function streamUp() {
    document.body.classList.add("live");
    document.body.classList.remove("reconnecting");
  }
  function streamDown() {
    var classes = document.body.classList;
    if (!classes.contains("live") && !classes.contains("reconnecting")) return;  // never connected
    classes.remove("live");
    classes.add("reconnecting");
  }
  document.addEventListener("htmx:sse:after:connection", streamUp);
  document.addEventListener("htmx:sse:before:connection", streamDown);
  document.addEventListener("htmx:sse:error", streamDown);
  document.addEventListener("htmx:sse:close", function () {
    document.body.classList.remove("live", "reconnecting");
  });

  // The joker is played once and for good: a tap on a round asks first, in the page's dialog.
  // (Without JavaScript, or without <dialog>, the same form opens a confirmation page.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var dialog = document.getElementById("joker-dialog");
    var button = event.submitter;
    if (!form.matches(".joker-form") || !dialog || !dialog.showModal || !button) return;
    event.preventDefault();
    dialog.querySelector("input[name=round_id]").value = button.value;
    dialog.querySelector(".joker-round").textContent = button.dataset.roundTitle;
    dialog.showModal();
  });
  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest("dialog .joker-cancel");
    if (!cancel) return;
    event.preventDefault();  // the link reloads the game page; the dialog just closes
    cancel.closest("dialog").close();
  });
  document.addEventListener("htmx:after:request", function (event) {
    var dialog = event.target.closest && event.target.closest("dialog");
    if (dialog && dialog.open) dialog.close();  // played (the stream shows it) or refused (said)
  });

  // A field's title says what it expects ("Codes have 6 characters"); Chromium's own message
  // says only "Please match the requested format". An empty field keeps the browser's words.
  document.addEventListener("invalid", function (event) {
    var field = event.target;
    if (field.title && !field.validity.valueMissing) field.setCustomValidity(field.title);
  }, true);
  document.addEventListener("input", function (event) {
    if (event.target.setCustomValidity) event.target.setCustomValidity("");
  });

  // Printable pages (results, answer sheets): a Print button, hidden without JavaScript (the
  // browser's own menu prints them then).
  document.querySelectorAll("[data-print]").forEach(function (button) { button.hidden = false; });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  // Browsers play sound only after a click on the page: the projector's one click.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-sound-check]");
    if (button) button.remove();
  });

  // A <details> the person opened or closed stays that way when a pushed update morphs the page
  // (the update carries the server's default, e.g. the console's team list open only in the lobby).
  var chosen = {};
  function detailsKey(details) {
    var owner = details.parentElement && details.parentElement.closest("[id]");
    return (owner ? owner.id : "") + "/" + details.className;
  }
  document.addEventListener("click", function (event) {
    var summary = event.target.closest && event.target.closest("details > summary");
    if (!summary) return;
    var details = summary.parentElement;
    setTimeout(function () { chosen[detailsKey(details)] = details.open; }, 0);  // after the toggle
  });
  document.addEventListener("htmx:after:swap", function () {
    document.querySelectorAll("details").forEach(function (details) {
      var open = chosen[detailsKey(details)];
      if (open !== undefined && details.open !== open) details.open = open;
    });
  });

  // What cannot be undone asks first, in a dialog with the words of the server's confirmation
  // page (form[data-confirm]); Confirm sends the form again with confirm=1, which the server
  // requires. Listening while the event goes down (capture) stops it before htmx sees it.
  var dialog = null;
  var onConfirm = null;
  function confirmDialog() {
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.className = "card confirm-dialog";
    dialog.innerHTML = '<h2 class="question"></h2><p class="consequence"></p>' +
      '<form method="dialog" class="confirm-actions"><button value="cancel"></button>' +
      '<button value="confirm" class="danger"></button></form>';
    dialog.addEventListener("close", function () {
      var yes = onConfirm;
      onConfirm = null;
      if (dialog.returnValue === "confirm" && yes) yes();
    });
    document.body.append(dialog);
    return dialog;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-confirm]")) return;
    if (form.dataset.confirming) {
      delete form.dataset.confirming;
      return;
    }
    var left = form.querySelector("input[name=confirm]");
    if (left) left.remove();  // from an earlier confirmation whose request failed
    event.preventDefault();
    event.stopPropagation();
    var box = confirmDialog();
    box.querySelector(".question").textContent = form.dataset.confirm;
    box.querySelector(".consequence").textContent = form.dataset.confirmDetail || "";
    box.querySelector("button[value=cancel]").textContent = words.sayCancel;
    box.querySelector("button.danger").textContent = form.dataset.confirmLabel || words.sayConfirm;
    box.returnValue = "";
    onConfirm = function () {
      var yes = document.createElement("input");
      yes.type = "hidden";
      yes.name = "confirm";
      yes.value = "1";
      form.append(yes);
      form.dataset.confirming = "1";
      form.requestSubmit();
    };
    box.showModal();
    box.querySelector("button[value=cancel]").focus();  // Enter on a stray tap keeps the game
  }, true);

  // A host on the keyboard keeps their place: when the control they pressed goes away (the game
  // moved on and the console was pushed again) or a morph turned it into another control (Enter
  // again would then pause the game), the focus goes to the console's next main control, not to
  // the top of the page or past the danger zone.
  var pressed = null;
  var pressedAction = null;
  document.addEventListener("focusin", function (event) {
    pressed = event.target.closest("#console .controls button");
    pressedAction = pressed && pressed.dataset.action;
  });
  document.addEventListener("htmx:after:swap", function () {
    if (!pressed || (pressed.isConnected && pressed.dataset.action === pressedAction)) return;
    var lost = document.activeElement === document.body || document.activeElement === pressed;
    var next = document.querySelector("#console .controls button");
    pressed = null;
    if (lost && next) next.focus();
  });

  document.addEventListener("htmx:after:swap", syncCountdowns);
  syncCountdowns();
  setInterval(syncCountdowns, 250);
})();
