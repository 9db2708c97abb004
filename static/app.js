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
        badge.textContent = b.shown_state;
        badge.className = "badge badge-" + b.shown_state;
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
      loadPresets();
    };
    type.addEventListener("change", () => { showType(); showInfo(); });
    wallet.addEventListener("change", showMarkets);
    market.addEventListener("change", showInfo);
    form.addEventListener("input", showInfo);
    showType();

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

    // Presets of the picked market: picking one fills the fields (still editable before
    // Start, and the start records which preset it came from); "Save as preset" saves the
    // current fields under a name, asking before it replaces one.
    const presetSel = $("#preset"), presetName = $("#preset-name"), presetNote = $("#preset-note");
    let presets = [];
    const say = (msg, bad) => { presetNote.textContent = msg; presetNote.classList.toggle("neg", !!bad); };
    const loadPresets = async (pick) => {
      const r = await api("/api/presets?market=" + encodeURIComponent(market.value)).catch(() => null);
      presets = r && r.ok ? await r.json() : [];
      presetSel.replaceChildren(presetSel.options[0]);
      for (const p of presets) {
        const o = document.createElement("option");
        o.value = p.name; o.textContent = p.name + " · " + p.bot_type.replace("_", " ");
        presetSel.appendChild(o);
      }
      presetSel.value = pick && presets.some((p) => p.name === pick) ? pick : "";
    };
    const fill = (p) => {
      type.value = p.bot_type;
      showType();
      const fs = form.querySelector('fieldset.params[data-type="' + CSS.escape(p.bot_type) + '"]');
      for (const el of fs.querySelectorAll("[name^='p.']")) {
        let v = p.params;
        for (const k of el.name.slice(2).split(".")) v = v && typeof v === "object" ? v[k] : undefined;
        const none = v === undefined || v === null;
        if (el.tagName === "SELECT") el.value = none ? (el.querySelector("option[selected]") || el.options[0]).value : String(v);
        else el.value = none ? "" : String(v);
      }
      if (p.params.risk) fs.querySelector("details").open = true;
      showInfo();
    };
    presetSel.addEventListener("change", () => {
      const p = presets.find((x) => x.name === presetSel.value);
      if (!p) return;
      fill(p);
      presetName.value = p.name;
      say("Filled from preset " + p.name + ". Edit the fields freely before Start.");
    });
    market.addEventListener("change", () => loadPresets());
    type.addEventListener("change", () => {
      const p = presets.find((x) => x.name === presetSel.value);
      if (p && p.bot_type !== type.value) presetSel.value = "";
    });
    const savePreset = async (overwrite) => {
      const body = { name: presetName.value, market: market.value, bot_type: type.value, params: params(), overwrite: overwrite };
      let r;
      try { r = await api("/api/presets", { method: "POST", body: JSON.stringify(body) }); }
      catch (err) { say("The dashboard cannot be reached: " + err, true); return; }
      const data = await r.json().catch(() => ({}));
      if (r.status === 409 && !overwrite && window.confirm("A preset named " + body.name + " exists for " + body.market + ". Replace it?")) return savePreset(true);
      if (!r.ok) { say(data.error || ("The preset was refused (" + r.status + ")."), true); return; }
      await loadPresets(data.preset.name);
      say("Saved preset " + data.preset.name + " for " + data.preset.market + ".");
    };
    $("#preset-save").addEventListener("click", () => savePreset(false));
    // Enter in the name saves the preset; it does not start a bot.
    presetName.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); savePreset(false); } });
    // The wallet's markets, then that market's presets (declared above: no use before).
    showMarkets();

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
      if (presetSel.value) body.preset = presetSel.value;
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

  // Bot detail: one source for every live figure. The bot's events arrive over server-sent
  // events (ids are the event sequence; a reconnect resumes after the last id, so nothing is
  // shown twice); each status event feeds the header figures, the chart and the orders table
  // together, each fill the fills table.
  const log = $("#live-log[data-stream]");
  if (log) {
    const seen = new Set();
    const filter = $("#log-filter");
    const text = (v) => (v === undefined || v === null ? "" : String(v));
    const pad = (n) => String(n).padStart(2, "0");
    const utc = (ms, date) => {
      const d = new Date(ms);
      const t = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
      return date ? d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + t + " UTC" : t;
    };
    // Exact decimal sum of two decimal strings (no floating point in money).
    const decAdd = (a, b) => {
      const parse = (x) => { const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(String(x).trim()); return m ? { neg: m[1] === "-", int: m[2] || "0", frac: m[3] || "" } : null; };
      const pa = parse(a), pb = parse(b);
      if (!pa || !pb) return "";
      const scale = Math.max(pa.frac.length, pb.frac.length);
      const big = (p) => { const v = BigInt(p.int + p.frac.padEnd(scale, "0")); return p.neg ? -v : v; };
      const sum = big(pa) + big(pb);
      const neg = sum < 0n, digits = (neg ? -sum : sum).toString().padStart(scale + 1, "0");
      let out = scale ? digits.slice(0, -scale) + "." + digits.slice(-scale) : digits;
      if (scale) out = out.replace(/\.?0+$/, "");
      return (neg && out !== "0" ? "-" : "") + out;
    };
    const summary = (e) => {
      switch (e.event) {
        case "status": return "position " + text(e.position) + ", open orders " + text(e.open_orders) + ", PnL " + decAdd(e.realized_pnl || "0", e.unrealized_pnl || "0") + " (realized " + text(e.realized_pnl) + ", unrealized " + text(e.unrealized_pnl) + ")" + (e.mid ? ", mid " + e.mid : "") + (e.state && e.state !== "running" ? ", " + e.state : "");
        case "fill": return text(e.side) + " " + text(e.quantity) + " @ " + text(e.price) + ", fee " + text(e.fee) + (e.liquidity ? " (" + e.liquidity + ")" : "") + (e.trade_id ? ", trade " + e.trade_id : "");
        case "order_rejected": return text(e.side) + " " + text(e.quantity) + " @ " + text(e.price) + " refused: " + text(e.reason);
        case "orders_cancelled": return text(e.count) + " order(s) cancelled (" + text(e.reason) + ")";
        case "error": return text(e.class) + ": " + text(e.message);
        case "risk_halt": return "halted by " + text(e.rule) + ": " + text(e.message);
        case "ready": return "ready on " + text(e.market) + " (" + text(e.bot_type) + ")";
        case "stopped": return "stopped: " + text(e.reason);
        default: return "";
      }
    };
    const applyFilter = (row) => { row.hidden = !!filter.value && row.dataset.kind !== filter.value; };
    filter.addEventListener("change", () => log.querySelectorAll(".log-line").forEach(applyFilter));
    const addLine = (e, raw, id) => {
      const row = document.createElement("div");
      row.className = "log-line";
      row.dataset.kind = e.event;
      row.dataset.id = id;
      const cell = (cls, t) => { const s = document.createElement("span"); s.className = cls; s.textContent = t; row.appendChild(s); };
      cell("log-time mono", utc(e.ts_ms));
      cell("log-kind", e.event);
      cell("log-summary", summary(e));
      const btn = document.createElement("button");
      btn.type = "button"; btn.className = "btn btn-small log-raw-toggle"; btn.textContent = "{…}";
      btn.setAttribute("aria-label", "show the raw line");
      const rawEl = document.createElement("code");
      rawEl.className = "log-raw mono hidden"; rawEl.textContent = raw;
      btn.addEventListener("click", () => rawEl.classList.toggle("hidden"));
      row.appendChild(btn); row.appendChild(rawEl);
      applyFilter(row);
      const stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
      log.appendChild(row);
      while (log.children.length > 500) log.removeChild(log.firstElementChild);
      if (stick) log.scrollTop = log.scrollHeight;
    };

    // The chart: the stored samples, then one point per status event.
    const chartEl = $("#pnl-chart");
    let history = [];
    try { history = JSON.parse(chartEl.dataset.history || "[]"); } catch (_) { history = []; }
    const drawChart = () => {
      const pts = history.map(([t, p]) => [t, Number(p)]).filter(([, v]) => Number.isFinite(v));
      if (!pts.length) return;
      const lo = Math.min(0, ...pts.map((p) => p[1])), hi = Math.max(0, ...pts.map((p) => p[1]));
      const spanY = hi > lo ? hi - lo : 1, t0 = pts[0][0], spanX = Math.max(1, pts[pts.length - 1][0] - t0);
      const y = (v) => 160 - (v - lo) / spanY * 160;
      $("#pnl-line").setAttribute("points", pts.map(([t, v]) => ((t - t0) / spanX * 640).toFixed(1) + "," + y(v).toFixed(1)).join(" "));
      const zero = $("#pnl-zero");
      zero.classList.toggle("hidden", !(lo < 0 && hi > 0));
      zero.setAttribute("y1", y(0).toFixed(1)); zero.setAttribute("y2", y(0).toFixed(1));
      const vals = history.map((h) => h[1]);
      const num = (a) => Number(a);
      const min = vals.reduce((a, b) => (num(b) < num(a) ? b : a)), max = vals.reduce((a, b) => (num(b) > num(a) ? b : a));
      $("#chart-hint").textContent = "PnL " + min + " to " + max + ", last " + vals[vals.length - 1] + " (" + vals.length + " samples).";
    };

    const onStatus = (e) => {
      const total = decAdd(e.realized_pnl || "0", e.unrealized_pnl || "0");
      $("#no-book").classList.toggle("hidden", !!e.mid || e.state !== "running");
      $("#position").textContent = text(e.position);
      $("#open-orders").textContent = text(e.open_orders);
      $("#realized").textContent = text(e.realized_pnl);
      $("#unrealized").textContent = text(e.unrealized_pnl);
      const pnl = $("#pnl");
      pnl.textContent = total;
      pnl.classList.toggle("neg", total.startsWith("-"));
      const last = history[history.length - 1];
      if (!last || e.ts_ms > last[0]) { history.push([e.ts_ms, total]); if (history.length > 500) history.shift(); drawChart(); }
      const table = $("#open-orders-table");
      if (table && Array.isArray(e.orders)) {
        const body = table.tBodies[0];
        body.replaceChildren(...e.orders.map((o) => {
          const tr = document.createElement("tr");
          for (const [v, cls] of [[o.side, ""], [o.price, "mono num"], [o.remaining, "mono num"]]) { const td = document.createElement("td"); td.className = cls; td.textContent = text(v); tr.appendChild(td); }
          return tr;
        }));
        table.classList.toggle("hidden", e.orders.length === 0);
        $("#orders-empty").classList.toggle("hidden", e.orders.length > 0);
      }
    };
    const fillKeys = new Set();
    const onFill = (e) => {
      const key = e.trade_id || ((e.ts_ms || 0) + ":" + (e.order_id || 0) + ":" + text(e.quantity));
      const table = $("#fills");
      const shown = Array.from(table.tBodies[0].rows).some((r) => r.dataset.key === key);
      if (fillKeys.has(key) || shown) return;
      fillKeys.add(key);
      const tr = document.createElement("tr");
      tr.dataset.key = key;
      for (const [v, cls] of [[utc(e.ts_ms, true), "mono"], [e.side, ""], [e.price, "mono num"], [e.quantity, "mono num"], [e.fee, "mono num"], [e.trade_id, "mono details"]]) { const td = document.createElement("td"); td.className = cls; td.textContent = text(v); tr.appendChild(td); }
      table.tBodies[0].insertBefore(tr, table.tBodies[0].firstChild);
      while (table.tBodies[0].rows.length > 50) table.tBodies[0].deleteRow(-1);
      table.classList.remove("hidden");
      $("#fills-empty").classList.add("hidden");
    };

    // Duplicates the server sent anyway (it should send none): counted, not shown.
    window.tradebotLogDuplicates = 0;
    let lastId = "", es = null;
    const onMessage = (m) => {
      if (m.lastEventId && seen.has(m.lastEventId)) { window.tradebotLogDuplicates += 1; return; }
      if (m.lastEventId) { seen.add(m.lastEventId); lastId = m.lastEventId; }
      let e;
      try { e = JSON.parse(m.data); } catch (_) { return; }
      addLine(e, m.data, m.lastEventId);
      if (e.event === "status") onStatus(e);
      if (e.event === "fill") onFill(e);
    };
    const connect = () => {
      // The browser's own reconnects send Last-Event-ID; a new connection says `after`.
      const url = log.dataset.stream + (lastId ? "?after=" + encodeURIComponent(lastId) : "");
      es = new EventSource(url);
      es.onmessage = onMessage;
      es.addEventListener("gone", (m) => {
        const row = document.createElement("div");
        row.className = "log-line log-gone"; row.textContent = "-- " + m.data;
        log.appendChild(row); es.close();
      });
    };
    connect();
    // Drops the connection as a network blip would and connects again (the browser test).
    window.tradebotForceReconnect = () => { es.close(); connect(); return lastId; };

    // Uptime ticks from the run's ready time; the state is polled and a change reloads.
    const uptime = $("#uptime");
    const readyMs = Number(uptime.dataset.readyMs || 0);
    if (readyMs > 0) setInterval(() => { uptime.textContent = humanDuration(Date.now() - readyMs); }, 1000);
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
      if (d.bot.shown_state !== state.textContent) location.reload();
    }, 2000);
  }
})();
