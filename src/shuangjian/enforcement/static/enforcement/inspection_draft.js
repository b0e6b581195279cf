/* Offline drafts of the inspection form (phone in the field).
 *
 * Every change is saved to localStorage under "insp-draft:<form key>" (fields, the draft's client_uuid and, where
 * they fit, the photos as data URLs). A submit while offline is kept as "待提交" and sent when the phone is back
 * online (or on the button); the server records one inspection per client_uuid, so a resend never doubles it.
 * The inspection's page clears the draft once the server has it. No inline handlers (CSP).
 */
(function () {
  "use strict";
  var PREFIX = "insp-draft:";

  function load(key) {
    try { return JSON.parse(localStorage.getItem(PREFIX + key) || "null"); } catch (e) { return null; }
  }
  function store(key, draft) {
    try { localStorage.setItem(PREFIX + key, JSON.stringify(draft)); return true; } catch (e) { return false; }
  }

  function dataUrlToFile(p) {
    var parts = p.data.split(","), bin = atob(parts[1]), buf = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    return new File([buf], p.name, { type: p.type });
  }

  function setupForm(form) {
    var key = form.dataset.draftKey;
    var status = document.querySelector("[data-draft-status]");
    var sendButton = document.querySelector("[data-draft-submit]");
    var draft = load(key) || { fields: {}, photos: {}, pending: false };

    function show(text, cls) {
      if (!status) return;
      status.textContent = text;
      status.className = "badge " + cls;
    }
    function showState() {
      if (draft.pending) {
        show(form.dataset.msgPending, "text-bg-warning");
        if (sendButton) sendButton.classList.remove("d-none");
      } else if (draft.savedAt) {
        show(form.dataset.msgSaved, "text-bg-success");
      }
    }

    function collect() {
      var fields = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "file" || el.name === "csrfmiddlewaretoken") return;
        if ((el.type === "radio" || el.type === "checkbox")) {
          if (!el.checked) return;
          (fields[el.name] = fields[el.name] || []).push(el.value);
        } else {
          fields[el.name] = [el.value];
        }
      });
      return fields;
    }

    function save() {
      draft.fields = collect();
      draft.savedAt = new Date().toISOString();
      if (!store(key, draft)) {
        draft.photos = {};
        store(key, draft);
        show(form.dataset.msgPhotosTooBig, "text-bg-danger");
        return;
      }
      showState();
    }

    function restore() {
      var names = Object.keys(draft.fields || {});
      names.forEach(function (name) {
        var values = draft.fields[name];
        Array.prototype.forEach.call(form.querySelectorAll('[name="' + name + '"]'), function (el) {
          if (el.type === "radio" || el.type === "checkbox") el.checked = values.indexOf(el.value) !== -1;
          else if (el.type !== "file") el.value = values[0];
        });
      });
      Object.keys(draft.photos || {}).forEach(function (name) {
        var input = form.querySelector('input[type=file][name="' + name + '"]');
        if (!input || !window.DataTransfer) return;
        var dt = new DataTransfer();
        draft.photos[name].forEach(function (p) { dt.items.add(dataUrlToFile(p)); });
        input.files = dt.files;
      });
    }

    function readPhotos(input) {
      var files = Array.prototype.slice.call(input.files || []);
      Promise.all(files.map(function (f) {
        return new Promise(function (resolve) {
          var r = new FileReader();
          r.onload = function () { resolve({ name: f.name, type: f.type, data: r.result }); };
          r.onerror = function () { resolve(null); };
          r.readAsDataURL(f);
        });
      })).then(function (list) {
        draft.photos = draft.photos || {};
        draft.photos[input.name] = list.filter(Boolean);
        save();
      });
    }

    function send() {
      // Back online: submit the restored form as an ordinary POST (files are back in their inputs); the server's
      // page with any errors is then the normal one, and the draft stays until the inspection page clears it.
      if (!navigator.onLine) { showState(); return; }
      show(form.dataset.msgSending, "text-bg-info");
      draft.fields = collect();
      store(key, draft);
      HTMLFormElement.prototype.submit.call(form);
    }

    // The server answered the submitted draft with errors: it is no longer waiting to be sent, only to be fixed.
    if (form.dataset.refused) { draft.pending = false; store(key, draft); }
    if (draft.savedAt) restore();
    showState();
    form.addEventListener("input", save);
    form.addEventListener("change", function (ev) {
      if (ev.target && ev.target.type === "file") readPhotos(ev.target); else save();
    });
    form.addEventListener("submit", function (ev) {
      draft.fields = collect();
      draft.pending = true;
      draft.savedAt = new Date().toISOString();
      store(key, draft);
      if (!navigator.onLine) {
        ev.preventDefault();
        showState();
      }
    });
    if (sendButton) sendButton.addEventListener("click", send);
    window.addEventListener("online", function () { if (draft.pending) send(); });

    var locate = document.querySelector("[data-locate]");
    var locateStatus = document.querySelector("[data-locate-status]");
    if (locate && navigator.geolocation) {
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          form.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
          form.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
          if (locateStatus) locateStatus.textContent = pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
          save();
        });
      });
    }
  }

  function clearDrafts() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-clear-draft]"), function (el) {
      var draft = load(el.dataset.clearDraft);
      var uuid = draft && draft.fields && draft.fields.client_uuid && draft.fields.client_uuid[0];
      if (draft && (!el.dataset.saved || el.dataset.saved === uuid)) localStorage.removeItem(PREFIX + el.dataset.clearDraft);
    });
  }

  function listPending() {
    var box = document.getElementById("pending-drafts");
    if (!box) return;
    var list = box.querySelector("[data-draft-list]");
    var found = 0;
    for (var i = 0; i < localStorage.length; i++) {
      var k = localStorage.key(i);
      var m = k && k.indexOf(PREFIX + "inspection-") === 0 ? k.slice((PREFIX + "inspection-").length) : null;
      if (!m || !/^\d+$/.test(m)) continue;
      var a = document.createElement("a");
      a.href = "/enforcement/inspections/" + m + "/record/";
      a.textContent = " #" + m;
      a.className = "ms-1";
      list.appendChild(a);
      found++;
    }
    if (found) box.classList.remove("d-none");
  }

  document.addEventListener("DOMContentLoaded", function () {
    clearDrafts();
    listPending();
    var form = document.querySelector("form[data-draft-key]");
    if (form) setupForm(form);
  });
})();
