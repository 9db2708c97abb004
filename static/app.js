// tradebot dashboard: the few live parts. Only calls the JSON API; writes text, never HTML.
"use strict";
(function () {
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const api = (url, opts) =>
    fetch(url, Object.assign({ credentials: "same-origin", headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" } }, opts || {}));

  function humanDuration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60, sec = s % 60;
    if (d > 0) return d + "d " + h + "h";
    if (h > 0) return h + "h " + m + "m";
    if (m > 0) return m + "m " + sec + "s";
    return sec + "s";
  }

  // Forms that ask first (kill switch).
  document.querySelectorAll("form[data-confirm]").forEach((f) =>
    f.addEventListener("submit", (e) => { if (!window.confirm(f.dataset.confirm)) e.preventDefault(); }));

  // Bots overview: refresh the rows every 2 s.
  const table = $("#bots[data-live]");
  if (table) {
    setInterval(async () => {
      const r = await api(table.dataset.live).catch(() => null);
      if (!r || !r.ok) return;
      const bots = await r.json();
      const rows = table.querySelectorAll("tbody tr[data-bot]");
      if (rows.length !== bots.length) { location.reload(); return; }
      for (const b of bots) {
        const tr = table.querySelector('tr[data-bot="' + CSS.escape(b.bot_id) + '"]');
        if (!tr) { location.reload(); return; }
        const badge = $('[data-field="state"]', tr);
        badge.textContent = b.state;
        badge.className = "badge badge-" + b.state;
        $('[data-field="uptime"]', tr).textContent = b.state === "running" && b.ready_ms ? humanDuration(Date.now() - b.ready_ms) : "";
        $('[data-field="position"]', tr).textContent = (b.last_status && b.last_status.position) || "";
        const pnl = $('[data-field="pnl"]', tr);
        pnl.textContent = b.pnl || "";
        pnl.classList.toggle("neg", (b.pnl || "").startsWith("-"));
        $('[data-field="reason"]', tr).textContent = b.reason || "";
      }
    }, 2000);
  }

  // Start form: show the selected type's parameters and the wallet's markets.
  const form = $("#start-form");
  if (form) {
    const type = $("#bot_type"), wallet = $("#wallet"), market = $("#market");
    const showType = () => form.querySelectorAll("fieldset.params").forEach((fs) => {
      const on = fs.dataset.type === type.value;
      fs.classList.toggle("hidden", !on);
      fs.disabled = !on;
    });
    // A wallet on a network: its markets come from the chain's catalogue (listed, active,
    // allowed), with the live mid and minimum notional; one bot per (wallet, market).
    let chain = null;
    const info = $("#market-info");
    const sizeField = () => {
      const fs = form.querySelector('fieldset.params[data-type="' + CSS.escape(type.value) + '"]');
      return fs && fs.querySelector("[name='p.order_size'],[name='p.size_per_level'],[name='p.total_quantity']");
    };
    const showInfo = () => {
      const m = chain && chain.markets.find((x) => x.market === market.value);
      if (!m) { if (chain) info.textContent = ""; return; }
      const f = sizeField();
      const size = f && f.value.trim() !== "" ? Number(f.value) : null;
      let text = m.market + ": mid " + (m.mid || "none (empty book)") + ", min notional " + m.min_notional + " " + m.quote
        + ", quantity tick " + m.quantity_tick + ".";
      if (size !== null && m.mid) text += " " + f.name.slice(2) + " " + size + " is worth " + (size * Number(m.mid)).toFixed(6).replace(/\.?0+$/, "") + " " + m.quote + ".";
      if (chain.freshness) text += " Catalogue " + chain.freshness + ".";
      info.textContent = text;
    };
    const showMarkets = async () => {
      const opt = wallet.selectedOptions[0];
      let allowed = opt ? (opt.dataset.markets || "").split(",") : [];
      const busy = opt ? (opt.dataset.busy || "").split(",") : [];
      chain = null;
      info.textContent = "";
      if (opt && opt.dataset.network) {
        const r = await api("/api/wallets/" + encodeURIComponent(opt.value) + "/markets").catch(() => null);
        const data = r && r.ok ? await r.json() : null;
        if (data) { chain = data; allowed = data.markets.filter((m) => m.active).map((m) => m.market); }
        else { info.textContent = "The markets of " + opt.dataset.network + " cannot be read from the chain now."; }
      }
      let firstAllowed = null;
      for (const o of market.options) {
        o.disabled = allowed.indexOf(o.value) < 0 || busy.indexOf(o.value) >= 0;
        if (!o.disabled && firstAllowed === null) firstAllowed = o;
      }
      if (market.selectedOptions[0] && market.selectedOptions[0].disabled && firstAllowed) firstAllowed.selected = true;
      showInfo();
    };
    type.addEventListener("change", () => { showType(); showInfo(); });
    wallet.addEventListener("change", showMarkets);
    market.addEventListener("change", showInfo);
    form.addEventListener("input", showInfo);
    showType();
    showMarkets();

    const errorBox = $("#start-error");
    const fail = (msg) => { errorBox.textContent = msg; errorBox.classList.remove("hidden"); $("#start-submit").disabled = false; };

    // Fields become params: numbers stay text (exact decimals), integers become numbers.
    const params = () => {
      const out = {};
      const fs = form.querySelector('fieldset.params[data-type="' + CSS.escape(type.value) + '"]');
      for (const el of fs.querySelectorAll("[name^='p.']")) {
        const v = el.value.trim();
        if (v === "") continue;
        const path = el.name.slice(2).split(".");
        let obj = out;
        while (path.length > 1) { const k = path.shift(); obj = obj[k] = obj[k] || {}; }
        obj[path[0]] = el.dataset.kind === "integer" && /^-?\d+$/.test(v) ? Number(v) : v;
      }
      return out;
    };

    const steps = (bot) => {
      const note = (bot && bot.reason) || "";
      const done = { token: false, container: false, key: false, ready: false };
      if (bot && (bot.launch_id || "").length > 0) done.token = true;
      if (bot && bot.container_id) done.container = done.token = true;
      if (bot && bot.state === "running") done.key = done.ready = done.container = done.token = true;
      document.querySelectorAll("#start-progress [data-step]").forEach((li) => li.classList.toggle("done", done[li.dataset.step]));
      $("#progress-note").textContent = note;
    };

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      errorBox.classList.add("hidden");
      $("#start-submit").disabled = true;
      const body = {
        wallet: wallet.value, market: market.value, bot_type: type.value,
        params: params(),
      };
      let r;
      try { r = await api("/api/bots?wait=false", { method: "POST", body: JSON.stringify(body) }); }
      catch (err) { fail("The dashboard cannot be reached: " + err); return; }
      const data = await r.json().catch(() => ({}));
      if (!r.ok) { fail(data.error || ("The start was refused (" + r.status + ").")); return; }
      const id = data.bot_id;
      $("#start-progress").classList.remove("hidden");
      $("#progress-bot").textContent = id;
      steps(data);
      const poll = setInterval(async () => {
        const pr = await api("/api/bots/" + encodeURIComponent(id)).catch(() => null);
        if (!pr || !pr.ok) return;
        const bot = (await pr.json()).bot;
        steps(bot);
        if (bot.state === "running") { clearInterval(poll); location.href = "/bots/" + encodeURIComponent(id); }
        if (bot.state === "failed" || bot.state === "stopped") { clearInterval(poll); fail(bot.reason || "The bot did not start."); }
      }, 300);
    });
  }

  // Bot detail: live log over server-sent events; reload when the bot's state changes.
  const log = $("#live-log[data-stream]");
  if (log) {
    const es = new EventSource(log.dataset.stream);
    const add = (text) => {
      log.appendChild(document.createTextNode(text + "\n"));
      while (log.childNodes.length > 500) log.removeChild(log.firstChild);
      log.scrollTop = log.scrollHeight;
    };
    es.onmessage = (m) => add(m.data);
    es.addEventListener("gone", (m) => { add("-- " + m.data); es.close(); });
    const state = $("#bot-state");
    const id = location.pathname.split("/").pop();
    // Once Stop or Restart is submitted the page is leaving: a reload now would cancel that
    // request (a live bot takes a second or more to stop), so the poller stands down.
    let leaving = false;
    document.querySelectorAll("form").forEach((f) => f.addEventListener("submit", () => { leaving = true; }));
    setInterval(async () => {
      if (leaving) return;
      const r = await api("/api/bots/" + encodeURIComponent(id)).catch(() => null);
      if (!r || !r.ok) return;
      const d = await r.json();
      if (leaving) return;
      if (d.bot.state !== state.textContent) { location.reload(); return; }
      $("#position").textContent = (d.bot.last_status && d.bot.last_status.position) || "";
      $("#open-orders").textContent = (d.bot.last_status && String(d.bot.last_status.open_orders)) || "";
      $("#pnl").textContent = d.bot.pnl || "";
    }, 2000);
  }
})();
