// otnn audit dashboard: draws the state the server pushes as server-sent events. Plain JS, no build step.
// Every text from the topics goes through textContent (never innerHTML): dead-letter messages are untrusted.
"use strict";

const DASH = "—";
const fmt = {
  count: v => v == null ? DASH : Number(v).toLocaleString("en-US"),
  fixed: (v, d) => typeof v !== "number" || !isFinite(v) ? DASH : v.toFixed(d),
  pct: v => typeof v !== "number" || !isFinite(v) ? DASH : (v * 100).toFixed(1) + " %",
  sig: v => typeof v !== "number" || !isFinite(v) ? DASH : v.toPrecision(3),
  time: ms => ms == null ? DASH : new Date(ms).toISOString().substring(11, 19),
  dateTime: ms => ms == null ? DASH : new Date(ms).toISOString().replace("T", " ").substring(0, 19),
};

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.substring(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c != null) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

let state = null;
let selectedModel = null;
const charts = new Map();

function className(model, k) {
  const names = model && model.checkpoint && model.checkpoint.classNames;
  return names && k >= 0 && k < names.length ? names[k] : String(k);
}

// ---- per model version ----------------------------------------------------------------------------------------

function renderModels() {
  const tabs = document.getElementById("model-tabs");
  const box = document.getElementById("models");
  const models = state.models;
  if (models.length === 0) return;
  if (!selectedModel || !models.some(m => m.key === selectedModel)) selectedModel = models[0].key;
  tabs.replaceChildren(...models.map(m => el("button", {
    class: "tab" + (m.key === selectedModel ? " active" : ""), "data-model": m.key,
    onclick: () => { selectedModel = m.key; render(); }
  }, m.key, el("span", {class: "tab-count", text: fmt.count(m.explainedTotal)}))));
  const m = models.find(x => x.key === selectedModel);
  let view = box.querySelector(".model");
  if (!view || view.dataset.model !== m.key) {
    for (const c of charts.values()) c.destroy();
    charts.clear();
    view = el("div", {class: "model", "data-model": m.key},
      el("div", {class: "headline"}), el("div", {class: "alarms"}),
      el("div", {class: "charts"}),
      el("div", {class: "two-columns"},
        el("div", {class: "card"}, el("h2", {text: "Class mix against the training priors"}), el("div", {class: "mix"})),
        el("div", {class: "card"}, el("h2", {text: "Certificate distribution (latest window)"}), el("div", {class: "quantiles"}))),
      el("div", {class: "card"}, el("h2", {text: "Metric windows (newest first)"}), el("div", {class: "scroll"}, el("table", {class: "windows"}))));
    box.replaceChildren(view);
  }
  renderHeadline(view.querySelector(".headline"), m);
  renderAlarms(view.querySelector(".alarms"), m);
  renderCharts(view.querySelector(".charts"), m);
  renderMix(view.querySelector(".mix"), m);
  renderQuantiles(view.querySelector(".quantiles"), m);
  renderWindows(view.querySelector(".windows"), m);
}

function tile(label, value, field, sub) {
  return el("div", {class: "figure"}, el("div", {class: "label", text: label}),
    el("div", {class: "value", "data-field": field, text: value}), sub ? el("div", {class: "sub", text: sub}) : null);
}

function renderHeadline(box, m) {
  const w = m.latest;
  const eps = w ? w.certifiedFractions : [];
  box.replaceChildren(
    tile("explained/s", w ? fmt.fixed(w.explainedPerSecond, 1) : DASH, "rate", w ? "window at " + fmt.time(w.windowStart) : "no window yet"),
    tile("latency p50", w ? fmt.fixed(w.latencyP50Ms, 1) + " ms" : DASH, "latencyP50", "in the explainer"),
    tile("latency p99", w ? fmt.fixed(w.latencyP99Ms, 1) + " ms" : DASH, "latencyP99", "in the explainer"),
    ...eps.map(f => tile("certified, ε " + fmt.sig(f.x), fmt.pct(f.y), "certified-" + f.x, "latest window")),
    tile("accuracy", fmt.pct(w ? w.accuracy : null), "accuracy", m.accuracy == null ? "no labels" : "all windows " + fmt.pct(m.accuracy)),
    tile("mean radius", fmt.fixed(m.certificateMean, 3), "certificateMean", "over " + fmt.count(m.explainedTotal) + " images"),
    tile("dead-lettered", fmt.count(m.deadLetteredTotal), "deadLettered", "in its windows"),
  );
}

function renderAlarms(box, m) {
  const w = m.latest;
  const alarms = w && w.driftAlarms;
  box.replaceChildren(...(alarms && alarms.length ? alarms.map(a => el("span", {class: "alarm", "data-alarm": a, text: "drift alarm: " + a})) : []));
}

function series(windows, pick) {
  return windows.map(w => { const v = pick(w); return typeof v === "number" && isFinite(v) ? v : null; });
}

const PALETTE = ["#3b6fb6", "#d9822b", "#2e9d6a", "#b8413a", "#7b5ea7", "#8c6d46", "#c45ca2", "#6b7b8c"];

function renderCharts(box, m) {
  const ws = m.windows;
  const xs = ws.map(w => w.windowStart / 1000);
  const eps = ws.length ? ws[ws.length - 1].certifiedFractions.map(f => f.x) : [];
  const qs = ws.length ? ws[ws.length - 1].certificateQuantiles.map(p => p.x) : [];
  const specs = [
    {id: "rate", title: "explained / s", series: [{label: "explained/s", data: series(ws, w => w.explainedPerSecond)}]},
    {id: "latency", title: "latency (ms)", series: [{label: "p50", data: series(ws, w => w.latencyP50Ms)}, {label: "p99", data: series(ws, w => w.latencyP99Ms)}]},
    {id: "certified", title: "certified fraction", series: eps.map(e => ({label: "ε " + fmt.sig(e), data: series(ws, w => (w.certifiedFractions.find(f => f.x === e) || {}).y)}))},
    {id: "radius", title: "certified radius quantiles", series: qs.map(q => ({label: "q" + Math.round(q * 100), data: series(ws, w => (w.certificateQuantiles.find(p => p.x === q) || {}).y)}))},
    {id: "drift", title: "drift against the training reference", series: [{label: "class-mix PSI", data: series(ws, w => w.classMixPsi)}, {label: "certificate KS", data: series(ws, w => w.certificateKs)}]},
    {id: "fidelity", title: "saliency fidelity (sampled images)", series: [{label: "µ-fidelity", data: series(ws, w => w.muFidelity)}, {label: "deletion AUC", data: series(ws, w => w.deletionAuc)}]},
  ];
  for (const spec of specs) {
    const key = spec.id + ":" + spec.series.map(s => s.label).join(",");
    const data = [xs, ...spec.series.map(s => s.data)];
    let entry = charts.get(spec.id);
    if (entry && entry.key !== key) { entry.plot.destroy(); entry.holder.remove(); charts.delete(spec.id); entry = null; }
    if (!entry) {
      const holder = el("div", {class: "chart card", "data-chart": spec.id}, el("h3", {text: spec.title}));
      box.append(holder);
      const width = Math.max(260, Math.floor((box.clientWidth - 2 * 16) / 3) - 24);
      const plot = new uPlot({
        width, height: 170, legend: {show: true, live: false}, cursor: {drag: {x: false, y: false}},
        scales: {x: {time: true}},
        axes: [{stroke: "#56606b", grid: {stroke: "#eceff3"}, size: 30}, {stroke: "#56606b", grid: {stroke: "#eceff3"}, size: 58}],
        series: [{}, ...spec.series.map((s, i) => ({label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, points: {show: ws.length < 40}}))],
      }, data, holder);
      entry = {key, plot, holder};
      charts.set(spec.id, entry);
    } else {
      entry.plot.setData(data);
    }
  }
}

function renderMix(box, m) {
  const mix = m.classMix || [];
  const priors = m.classPriors;
  const n = Math.max(mix.length, priors ? priors.length : 0);
  const max = Math.max(0.0001, ...mix, ...(priors || []));
  const rows = [];
  for (let k = 0; k < n; k++) {
    const p = mix[k] || 0;
    rows.push(el("div", {class: "mix-row", "data-class": k},
      el("span", {class: "mix-name", text: className(m, k)}),
      el("span", {class: "bars"},
        el("span", {class: "bar bar-seen", style: null, "data-w": (p / max * 100).toFixed(1)}),
        priors ? el("span", {class: "bar bar-prior", "data-w": ((priors[k] || 0) / max * 100).toFixed(1)}) : null),
      el("span", {class: "mix-value", text: fmt.pct(p) + (priors ? " vs " + fmt.pct(priors[k] || 0) : "")})));
  }
  const legend = el("div", {class: "legend"},
    el("span", {class: "key key-seen"}), " predicted (all windows)",
    priors ? [el("span", {class: "key key-prior"}), " training prior"] : el("span", {class: "muted", text: " — priors unknown: " + ((m.checkpoint && m.checkpoint.metadataNote) || "no checkpoint announced for this version")}));
  const w = m.latest;
  const drift = el("table", {class: "drift"}, el("tbody", {},
    driftRow("class mix χ²", w && w.classMixChiSquare, "classMixChiSquare"),
    driftRow("class mix p-value", w && w.classMixPValue, "classMixPValue"),
    driftRow("class mix PSI", w && w.classMixPsi, "classMixPsi"),
    driftRow("certificate KS", w && w.certificateKs, "certificateKs"),
    driftRow("certificate KS p-value", w && w.certificateKsPValue, "certificateKsPValue"),
    driftRow("µ-fidelity", w && w.muFidelity, "muFidelity"),
    driftRow("deletion AUC", w && w.deletionAuc, "deletionAuc")));
  box.replaceChildren(legend, ...rows, el("h3", {text: "Drift and fidelity (latest window)"}), drift);
  // widths through CSSOM: the page's policy allows no inline style attributes
  for (const b of box.querySelectorAll(".bar")) b.style.width = b.dataset.w + "%";
}

function driftRow(label, value, field) {
  return el("tr", {}, el("th", {text: label}), el("td", {class: "num", "data-field": field, text: fmt.sig(value)}));
}

function renderQuantiles(box, m) {
  const w = m.latest;
  if (!w) { box.replaceChildren(el("p", {class: "empty", text: "No window yet."})); return; }
  const qs = w.certificateQuantiles;
  const max = Math.max(0.0001, ...qs.map(q => q.y));
  box.replaceChildren(
    ...qs.map(q => el("div", {class: "mix-row"}, el("span", {class: "mix-name", text: "q" + Math.round(q.x * 100)}),
      el("span", {class: "bars"}, el("span", {class: "bar bar-radius", "data-w": (q.y / max * 100).toFixed(1)})),
      el("span", {class: "mix-value", text: fmt.fixed(q.y, 3)}))),
    el("p", {class: "muted", text: "mean " + fmt.fixed(w.certificateMean, 3) + " · counterfactual distance " +
      fmt.fixed(w.counterfactualDistanceMean, 3) + " · boundary residual " + fmt.sig(w.boundaryResidualMean) +
      " · mean batch " + fmt.fixed(w.batchSizeMean, 1)}));
  for (const b of box.querySelectorAll(".bar")) b.style.width = b.dataset.w + "%";
}

function renderWindows(table, m) {
  const ws = m.windows.slice().reverse().slice(0, 12);
  const eps = ws.length ? ws[0].certifiedFractions.map(f => f.x) : [];
  const qs = ws.length ? ws[0].certificateQuantiles.map(p => p.x) : [];
  const head = el("tr", {}, el("th", {text: "window"}), el("th", {class: "num", text: "explained"}),
    el("th", {class: "num", text: "/s"}), el("th", {class: "num", text: "p50 ms"}), el("th", {class: "num", text: "p99 ms"}),
    ...eps.map(e => el("th", {class: "num", text: "cert. ε " + fmt.sig(e)})),
    ...qs.map(q => el("th", {class: "num", text: "r q" + Math.round(q * 100)})),
    el("th", {class: "num", text: "accuracy"}), el("th", {class: "num", text: "DLQ"}),
    el("th", {class: "num", text: "χ² p"}), el("th", {class: "num", text: "KS p"}), el("th", {text: "alarms"}),
    el("th", {class: "num", text: "µ-fid."}), el("th", {class: "num", text: "del. AUC"}));
  const rows = ws.map(w => el("tr", {class: "window-row", "data-window-start": w.windowStart, "data-model": m.key},
    el("td", {text: fmt.time(w.windowStart) + "–" + fmt.time(w.windowEnd)}),
    el("td", {class: "num", "data-field": "explainedCount", text: fmt.count(w.explainedCount)}),
    el("td", {class: "num", "data-field": "explainedPerSecond", text: fmt.fixed(w.explainedPerSecond, 1)}),
    el("td", {class: "num", "data-field": "latencyP50Ms", text: fmt.fixed(w.latencyP50Ms, 1)}),
    el("td", {class: "num", "data-field": "latencyP99Ms", text: fmt.fixed(w.latencyP99Ms, 1)}),
    ...w.certifiedFractions.map(f => el("td", {class: "num", "data-field": "certified", "data-epsilon": f.x, text: fmt.pct(f.y)})),
    ...w.certificateQuantiles.map(p => el("td", {class: "num", "data-field": "radius", "data-q": p.x, text: fmt.fixed(p.y, 3)})),
    el("td", {class: "num", "data-field": "accuracy", text: fmt.pct(w.accuracy)}),
    el("td", {class: "num", "data-field": "deadLetteredCount", text: fmt.count(w.deadLetteredCount)}),
    el("td", {class: "num", "data-field": "classMixPValue", text: fmt.sig(w.classMixPValue)}),
    el("td", {class: "num", "data-field": "certificateKsPValue", text: fmt.sig(w.certificateKsPValue)}),
    el("td", {"data-field": "driftAlarms", text: w.driftAlarms == null ? DASH : (w.driftAlarms.join(", ") || "none")}),
    el("td", {class: "num", "data-field": "muFidelity", text: fmt.fixed(w.muFidelity, 3)}),
    el("td", {class: "num", "data-field": "deletionAuc", text: fmt.fixed(w.deletionAuc, 3)})));
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, rows));
}

// ---- dead letters, history, serving, training, comparison ------------------------------------------------------------------------

function renderDeadLetters() {
  const body = document.querySelector("#dead-letters tbody");
  document.getElementById("dead-letters-total").textContent = state.deadLettersTotal ? fmt.count(state.deadLettersTotal) : "";
  document.getElementById("dead-letters-empty").hidden = state.deadLetters.length > 0;
  body.replaceChildren(...state.deadLetters.map(d => el("tr", {"data-kind": d.kind},
    el("td", {}, el("span", {class: "kind", text: d.kind})),
    el("td", {class: "num", "data-field": "count", text: fmt.count(d.count)}),
    el("td", {text: fmt.time(d.lastTime)}),
    el("td", {class: "messages"}, d.latest.map(l => el("div", {class: "message", title: l.sourceTopic + "/" + l.partition + "@" + l.offset + " by " + l.application},
      el("span", {class: "muted", text: fmt.time(l.time) + " "}), l.message))))));
}

function renderHistory() {
  const body = document.querySelector("#history tbody");
  body.replaceChildren(...state.models.map(m => {
    const c = m.checkpoint;
    return el("tr", {"data-model": m.key},
      el("td", {}, el("strong", {text: m.modelName}), " v" + m.modelVersion),
      el("td", {class: "when", text: c ? fmt.dateTime(c.createdTime) : DASH}),
      el("td", {class: "when", "data-field": "firstSeen", title: m.servingSince != null ? "reported by the explainer" : "first window or explanation seen",
        text: fmt.dateTime(m.servingSince != null ? m.servingSince : m.firstSeen)}),
      el("td", {class: "num", text: fmt.count(m.explainedTotal)}),
      el("td", {class: "num", text: fmt.pct(m.accuracy)}),
      el("td", {class: "num", text: fmt.fixed(m.certificateMean, 3)}),
      el("td", {class: "num", text: c ? fmt.pct(c.testAccuracy) : DASH}),
      el("td", {class: "uri", text: c ? c.uri : "not announced on the models topic"}));
  }));
}

function renderServing() {
  const body = document.querySelector("#serving tbody");
  document.getElementById("serving-empty").hidden = state.serving.length > 0;
  body.replaceChildren(...state.serving.map(d => el("tr", {"data-slot": d.slot, "data-state": d.state},
    el("td", {text: d.application + " / " + d.instance}),
    el("td", {text: d.role.toLowerCase()}),
    el("td", {"data-field": "servingVersion"}, el("strong", {text: d.modelName}), d.servingVersion == null ? " none" : " v" + d.servingVersion),
    el("td", {"data-field": "decision", class: d.state === "REFUSED" ? "bad" : "ok", text: (d.state === "REFUSED" ? "refused v" : "serves v") + d.modelVersion}),
    el("td", {class: "num", text: d.swapMs == null ? DASH : fmt.count(d.swapMs) + " ms"}),
    el("td", {class: "when", text: fmt.dateTime(d.time)}))));
  const refusals = document.querySelector("#refusals tbody");
  document.getElementById("refusals-empty").hidden = state.refusals.length > 0;
  document.getElementById("refusals-count").textContent = state.refusals.length ? fmt.count(state.refusals.length) : "";
  refusals.replaceChildren(...state.refusals.map(d => el("tr", {"data-model": d.modelName + "@" + d.modelVersion},
    el("td", {class: "when", text: fmt.dateTime(d.time)}),
    el("td", {text: d.instance + " (" + d.role.toLowerCase() + ")"}),
    el("td", {title: d.uri}, el("strong", {text: d.modelName}), " v" + d.modelVersion),
    el("td", {class: "message", "data-field": "reason", text: d.reason || DASH}))));
}

function renderTraining() {
  const body = document.querySelector("#training tbody");
  document.getElementById("training-empty").hidden = state.training.length > 0;
  body.replaceChildren(...state.training.map(t => el("tr", {"data-request": t.requestId, "data-state": t.state},
    el("td", {class: "id", title: (t.instance || "") + (t.device ? " on " + t.device : ""), text: t.requestId}),
    el("td", {text: t.modelName}),
    el("td", {"data-field": "state"}, el("span", {class: "kind " + (t.state === "SUCCEEDED" ? "ok" : t.state === "FAILED" || t.state === "REJECTED" ? "bad" : "neutral"), text: t.state})),
    el("td", {"data-field": "epoch", text: t.epoch + " / " + t.epochs}),
    el("td", {class: "num", text: fmt.fixed(t.loss, 4)}),
    el("td", {class: "num", text: fmt.pct(t.accuracy)}),
    el("td", {class: "num", text: fmt.fixed(t.imagesPerSecond, 0)}),
    el("td", {class: "num", text: t.etaSeconds == null || ["SUCCEEDED", "FAILED", "REJECTED"].includes(t.state) ? DASH : fmt.fixed(t.etaSeconds, 0) + " s"}),
    el("td", {class: t.error ? "message bad" : "uri", "data-field": "result",
      text: t.error ? t.error : t.modelVersion != null ? "v" + t.modelVersion + " " + (t.checkpointUri || "") : DASH}))));
}

function renderComparisons() {
  const box = document.getElementById("comparisons");
  document.getElementById("comparisons-empty").hidden = state.comparisons.length > 0;
  const q = (points, level) => { const p = (points || []).find(x => Math.abs(x.x - level) < 1e-9); return p ? p.y : null; };
  box.replaceChildren(...state.comparisons.map(c => el("div", {class: "comparison", "data-pair": c.pair},
    el("h3", {text: c.pair}),
    el("div", {class: "scroll"}, el("table", {class: "windows"},
      el("thead", {}, el("tr", {}, el("th", {text: "window (UTC)"}), el("th", {class: "num", text: "compared"}),
        el("th", {class: "num", text: "class agreement"}), el("th", {class: "num", text: "Δ radius mean"}),
        el("th", {class: "num", text: "Δ radius p5 / p50 / p95"}), el("th", {class: "num", text: "saliency ρ mean"}),
        el("th", {class: "num", text: "ρ p50"}), el("th", {class: "num", text: "same x_cf target"}),
        el("th", {class: "num", text: "accuracy serving / shadow"}))),
      el("tbody", {}, c.windows.slice(0, 20).map(w => el("tr", {class: "comparison-row", "data-window-start": w.windowStart},
        el("td", {text: fmt.time(w.windowStart) + "–" + fmt.time(w.windowEnd)}),
        el("td", {class: "num", "data-field": "comparedCount", text: fmt.count(w.comparedCount)}),
        el("td", {class: "num", "data-field": "classAgreement", text: fmt.pct(w.classAgreement)}),
        el("td", {class: "num", "data-field": "certificateDifferenceMean", text: fmt.fixed(w.certificateDifferenceMean, 4)}),
        el("td", {class: "num", text: [0.05, 0.5, 0.95].map(l => fmt.fixed(q(w.certificateDifferenceQuantiles, l), 3)).join(" / ")}),
        el("td", {class: "num", "data-field": "saliencySpearmanMean", text: fmt.fixed(w.saliencySpearmanMean, 3)}),
        el("td", {class: "num", text: fmt.fixed(q(w.saliencySpearmanQuantiles, 0.5), 3)}),
        el("td", {class: "num", "data-field": "sameTargetFraction", text: fmt.pct(w.sameTargetFraction)}),
        el("td", {class: "num", text: fmt.pct(w.primaryAccuracy) + " / " + fmt.pct(w.shadowAccuracy)})))))))));
  const unread = Object.entries(state.unreadable || {});
  const warn = document.getElementById("unreadable");
  warn.hidden = unread.length === 0;
  warn.textContent = unread.length ? "Unreadable records: " + unread.map(([t, n]) => t + " " + n).join(", ") : "";
}

// ---- gallery and detail ---------------------------------------------------------------------------------------

function modelOf(key) {
  return state.models.find(m => m.key === key);
}

function renderGallery() {
  const select = document.getElementById("filter-class");
  const names = new Map();
  for (const g of state.gallery) names.set(g.predictedClass, g.predictedClassName);
  const current = select.value;
  const options = [...names.entries()].sort((a, b) => a[0] - b[0]);
  if (select.options.length - 1 !== options.length) {
    select.replaceChildren(el("option", {value: "", text: "all"}), ...options.map(([k, n]) => el("option", {value: k, text: n + " (" + k + ")"})));
    select.value = current;
  }
  const cls = select.value;
  const low = document.getElementById("filter-low").checked;
  const lowValue = parseFloat(document.getElementById("filter-low-value").value);
  const wrong = document.getElementById("filter-wrong").checked;
  const shown = state.gallery.filter(g => (cls === "" || String(g.predictedClass) === cls)
    && (!low || g.certificate < lowValue) && (!wrong || (g.label != null && g.label !== g.predictedClass)));
  document.getElementById("gallery-count").textContent = shown.length + " of the latest " + state.gallery.length;
  const box = document.getElementById("gallery");
  const existing = new Map([...box.children].map(c => [c.dataset.seq, c]));
  const tiles = shown.map(g => existing.get(String(g.seq)) || galleryTile(g));
  box.replaceChildren(...tiles);
}

function picture(seq, kind, cls) {
  return el("img", {src: "/api/explanations/" + seq + "/" + kind + ".png", alt: kind, title: PICTURE_NAMES[kind],
    class: cls || "pic", width: 72, height: 72});
}

// the short names under a tile's pictures
const PICTURE_NAMES = {input: "x", saliency: "saliency", counterfactual: "x_cf", difference: "x_cf − x",
  overlay: "saliency on x_cf", gradient: "∇f"};

// records written before the input field have no x: their tiles show the saliency over x_cf instead of x and x_cf − x
function tileKinds(g) {
  return g.input ? ["input", "saliency", "counterfactual", "difference"] : ["saliency", "counterfactual", "overlay"];
}

function galleryTile(g) {
  const labelled = g.label != null;
  const right = labelled && g.label === g.predictedClass;
  return el("figure", {class: "tile" + (labelled && !right ? " wrong" : ""), "data-seq": g.seq, "data-image-id": g.imageId,
      "data-class": g.predictedClass, tabindex: 0, onclick: () => openDetail(g.seq), onkeydown: e => { if (e.key === "Enter") openDetail(g.seq); }},
    el("div", {class: "pics"}, tileKinds(g).map(k => picture(g.seq, k))),
    el("div", {class: "pic-names"}, tileKinds(g).map(k => el("span", {text: PICTURE_NAMES[k]}))),
    el("figcaption", {},
      el("div", {class: "cls"}, el("strong", {text: g.predictedClassName}), " → ", g.targetClassName,
        g.reachedTarget ? el("span", {class: "ok", text: " ✓"}) : el("span", {class: "bad", text: " ✗"})),
      el("div", {class: right ? "ok" : labelled ? "bad" : "muted", text: labelled ? "label " + g.labelName + (right ? " ✓" : " ✗") : "no label"}),
      el("div", {class: "cert", "data-field": "certificate", text: "r = " + fmt.fixed(g.certificate, 3)}),
      el("div", {class: "muted id", text: g.imageId})));
}

async function openDetail(seq) {
  const dialog = document.getElementById("detail");
  const body = document.getElementById("detail-body");
  const response = await fetch("/api/explanations/" + seq);
  if (!response.ok) { body.replaceChildren(el("p", {text: await response.text()})); dialog.showModal(); return; }
  const d = await response.json();
  const g = d.summary;
  const m = modelOf(g.model);
  const captions = {input: "input x, predicted " + g.predictedClassName + " (r = " + fmt.fixed(g.certificate, 3) + ")",
    saliency: "saliency |∇f| (max " + fmt.sig(d.saliencyMax) + ")",
    counterfactual: "counterfactual x_cf at t = " + fmt.sig(g.t) + ", target " + g.targetClassName,
    difference: "difference x_cf − x (blue < 0 < red, ±" + fmt.sig(d.differenceMax) + "; the 8-bit encodings of x and x_cf leave ±" + fmt.sig(d.differenceError) + ")",
    overlay: "saliency over " + (d.input ? "x" : "x_cf"), gradient: "signed gradient ∇f"};
  const maxScore = Math.max(...d.scores.map(Math.abs), 1e-9);
  body.replaceChildren(
    el("h2", {}, g.imageId, " ", el("span", {class: "muted", text: g.model})),
    el("div", {class: "detail-pics"}, d.pictures.map(p => el("figure", {},
      el("img", {src: "/api/explanations/" + seq + "/" + p + ".png", alt: p, class: "big", width: 224, height: 224}),
      el("figcaption", {text: captions[p] || p})))),
    el("p", {class: "muted note", text: (d.input ? "" : "This record was written before explanations carried their input image, so x and x_cf − x are missing. ")
      + "Pictures are drawn by explain-core's renderer from the record's compact encodings, in " + d.inputRange + "."}),
    el("div", {class: "two-columns"},
      el("table", {class: "facts"}, el("tbody", {},
        fact("predicted", g.predictedClassName + " (" + g.predictedClass + ")"),
        fact("label", g.label == null ? "unknown" : g.labelName + " (" + g.label + ")" + (g.label === g.predictedClass ? " ✓" : " ✗")),
        fact("certified L2 radius", fmt.fixed(g.certificate, 4) + "  = margin " + fmt.fixed(d.margin, 4) + " / (" + fmt.sig(d.certificateFactor) + " × L " + fmt.sig(d.lipschitz) + ")"),
        fact("counterfactual target", g.targetClassName + " (" + g.targetClass + "), model says " + className(m, g.counterfactualClass) + (g.reachedTarget ? " ✓" : " ✗")),
        fact("distance |x_cf − x|", fmt.fixed(g.distance, 4) + " at t = " + fmt.sig(g.t) + "; boundary at " + fmt.fixed(d.boundaryDistance, 4) + ", residual " + fmt.sig(d.boundaryResidual)),
        fact("timings", "queued " + fmt.fixed(d.queuedMs, 1) + " ms, model " + fmt.fixed(d.modelMs, 1) + " ms, total " + fmt.fixed(d.totalMs, 1) + " ms (batch of " + d.batchSize + ")"),
        fact("event time", fmt.dateTime(g.eventTime) + " UTC" + (d.eventTimeAdjustment !== "NONE" ? " (" + d.eventTimeAdjustment + ")" : "")),
        fact("explainer", d.explainerInstance))),
      el("div", {class: "scores"}, el("h3", {text: "scores f(x)"}), d.scores.map((s, k) => el("div", {class: "mix-row"},
        el("span", {class: "mix-name", text: (d.classNames && d.classNames[k]) || (k === g.predictedClass ? g.predictedClassName : String(k))}),
        el("span", {class: "bars"}, el("span", {class: "bar " + (k === g.predictedClass ? "bar-seen" : k === g.targetClass ? "bar-prior" : "bar-radius"), "data-w": (Math.abs(s) / maxScore * 100).toFixed(1)})),
        el("span", {class: "mix-value", text: fmt.fixed(s, 3)}))))));
  for (const b of body.querySelectorAll(".bar")) b.style.width = b.dataset.w + "%";
  dialog.showModal();
}

function fact(label, value) {
  return el("tr", {}, el("th", {text: label}), el("td", {text: value}));
}

// ---- wiring ---------------------------------------------------------------------------------------------------

function render() {
  if (!state) return;
  document.getElementById("feed").textContent = "feed: " + state.feedStatus;
  document.getElementById("feed").className = "pill " + (state.feedStatus === "reading" ? "pill-ok" : state.feedStatus.startsWith("stopped") ? "pill-bad" : "pill-wait");
  document.getElementById("updated").textContent = "updated " + fmt.time(state.time) + " UTC";
  document.body.dataset.version = state.version;
  renderModels();
  renderDeadLetters();
  renderHistory();
  renderGallery();
  renderServing();
  renderTraining();
  renderComparisons();
}

function connect() {
  const connection = document.getElementById("connection");
  const events = new EventSource("/api/events");
  events.addEventListener("open", () => { connection.textContent = "live"; connection.className = "pill pill-ok"; });
  events.addEventListener("error", () => { connection.textContent = "reconnecting…"; connection.className = "pill pill-bad"; });
  events.addEventListener("state", e => { state = JSON.parse(e.data); render(); });
}

for (const id of ["filter-class", "filter-low", "filter-low-value", "filter-wrong"]) {
  for (const event of ["input", "change"]) document.getElementById(id).addEventListener(event, () => render());
}
document.getElementById("detail-close").addEventListener("click", () => document.getElementById("detail").close());
connect();
