// Passkeys (WebAuthn): the browser half of enrolment (Account page, #passkey-add) and of the
// second sign-in step (#passkey-signin). The server makes the options and verifies the
// answers (src/web/account/passkeys.rs); this only converts base64url <-> bytes and calls
// navigator.credentials. Served from the dashboard itself (CSP: no inline script).
"use strict";

(function () {
  function toBytes(b64url) {
    const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(b64 + "===".slice((b64.length + 3) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function toB64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // Drops null members: WebIDL dictionaries refuse null where a value is optional.
  function clean(v) {
    if (Array.isArray(v)) return v.map(clean);
    if (v && typeof v === "object") {
      const out = {};
      for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = clean(x);
      return out;
    }
    return v;
  }

  function csrf() {
    const m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }

  async function post(path, body) {
    const res = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: body === undefined ? "{}" : JSON.stringify(body),
    });
    let data = {};
    try {
      data = await res.json();
    } catch (_) {
      data = {};
    }
    if (!res.ok) {
      throw new Error(data.error || data.message || "the dashboard refused (" + res.status + ")");
    }
    return data;
  }

  function showError(e) {
    const box = document.getElementById("passkey-error");
    if (!box) return;
    box.textContent = e && e.message ? e.message : String(e);
    box.hidden = false;
  }

  async function enrol() {
    const pk = clean(await post("/account/passkeys/options")).publicKey;
    pk.challenge = toBytes(pk.challenge);
    pk.user.id = toBytes(pk.user.id);
    (pk.excludeCredentials || []).forEach((c) => (c.id = toBytes(c.id)));
    const cred = await navigator.credentials.create({ publicKey: pk });
    const nameInput = document.getElementById("passkey-name");
    const done = await post("/account/passkeys", {
      name: nameInput ? nameInput.value : "",
      credential: {
        id: cred.id,
        rawId: toB64url(cred.rawId),
        type: cred.type,
        response: {
          attestationObject: toB64url(cred.response.attestationObject),
          clientDataJSON: toB64url(cred.response.clientDataJSON),
        },
        extensions: cred.getClientExtensionResults(),
      },
    });
    window.location.assign(done.redirect);
  }

  async function signIn() {
    const pk = clean(await post("/login/passkey/options")).publicKey;
    pk.challenge = toBytes(pk.challenge);
    (pk.allowCredentials || []).forEach((c) => (c.id = toBytes(c.id)));
    const cred = await navigator.credentials.get({ publicKey: pk });
    const r = cred.response;
    const done = await post("/login/passkey", {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response: {
        authenticatorData: toB64url(r.authenticatorData),
        clientDataJSON: toB64url(r.clientDataJSON),
        signature: toB64url(r.signature),
        userHandle: r.userHandle ? toB64url(r.userHandle) : null,
      },
      extensions: cred.getClientExtensionResults(),
    });
    window.location.assign(done.redirect);
  }

  function wire(id, action) {
    const button = document.getElementById(id);
    if (!button) return;
    if (!window.PublicKeyCredential) {
      button.disabled = true;
      showError(new Error("this browser does not support passkeys"));
      return;
    }
    button.addEventListener("click", () => {
      button.disabled = true;
      action()
        .catch(showError)
        .finally(() => (button.disabled = false));
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    wire("passkey-add", enrol);
    wire("passkey-signin", signIn);
  });
})();
