// The what-if page of `gpec serve`: vanilla JS, no build step, no network beyond this server.
// The scenario lives in the URL (parsed on load, written back with history.replaceState on every change);
// the labels come from gpec.i18n (GET /api/labels); numbers are formatted as gpec.i18n formats them.
"use strict";

// -- numbers for people, as gpec.i18n.fmt_number / fmt_eur / fmt_percent ------------------------------------
const NNBSP = "\u202f";
const MISSING = "—";
const LOCALES = { fr: "fr-FR", en: "en-US" };

function formatter(lang) {
  const locale = LOCALES[lang];
  // no "-0" and ties to even, like gpec.i18n (Python's format)
  const options = (decimals) => ({ minimumFractionDigits: decimals, maximumFractionDigits: decimals,
                                   signDisplay: "negative", roundingMode: "halfEven" });
  const finite = (value) => value !== null && value !== undefined && value !== "" && Number.isFinite(Number(value));
  // Intl rounds the shortest decimal of a double (2.675 gives 2.68), Python its exact value (2.67499… gives
  // 2.67): Intl is handed the exact value, as a decimal string (toFixed(100) is exact at these magnitudes)
  const exact = (value) => (Math.abs(value) < 1e21 ? Number(value).toFixed(100) : Number(value));
  const number = (value, decimals = 0) =>
    finite(value) ? new Intl.NumberFormat(locale, options(decimals)).format(exact(value)) : MISSING;
  // fr-FR: "1 234 €" with U+202F thousands and U+00A0 before €; en-US: "€1,234"
  const eur = (value, decimals = 0) => finite(value)
    ? new Intl.NumberFormat(locale, { ...options(decimals), style: "currency", currency: "EUR" }).format(exact(value))
    : MISSING;
  // Intl puts U+00A0 before % in French, gpec.i18n U+202F: the sign is added here
  const percent = (value, decimals = 1) =>
    finite(value) ? number(100 * Number(value), decimals) + (lang === "fr" ? NNBSP + "%" : "%") : MISSING;
  return { number, eur, percent, finite };
}

// -- the scenario in the URL ------------------------------------------------------------------------------
// ?i=landes&b.cd40=600000&b.cr75.2027=1000000&off=vehicles,pools&p.eff_qvct_exit=0.2&h=2026-2030&sl=0.9&lang=en

/** The solve request a query string describes (only what it sets). */
function scenarioFromQuery(search) {
  const query = new URLSearchParams(search);
  const request = { budgets: {}, levers_off: [], parameters: {} };
  for (const [name, text] of query) {
    const value = Number(text);
    if (name === "i") request.instance = text;
    else if (name === "off") request.levers_off = text.split(",").filter(Boolean);
    else if (name === "sl" && text !== "") request.service_level = value;
    else if (name === "h") {
      const years = text.split("-").map(Number);
      if (years.length === 2) request.horizon = years;
    } else if (name.startsWith("b.")) {
      const [funder, year] = name.slice(2).split(".");
      if (year === undefined) request.budgets[funder] = value;
      else {
        if (typeof request.budgets[funder] !== "object") request.budgets[funder] = {};
        request.budgets[funder][year] = value;
      }
    } else if (name.startsWith("p.")) request.parameters[name.slice(2)] = value;
  }
  return request;
}

/** The query string of a solve request (and the page's language), the inverse of scenarioFromQuery. */
function queryFromScenario(request, lang) {
  const query = new URLSearchParams();
  if (request.instance) query.set("i", request.instance);
  for (const [funder, value] of Object.entries(request.budgets || {})) {
    if (typeof value === "object") {
      for (const [year, eur] of Object.entries(value)) query.set(`b.${funder}.${year}`, String(eur));
    } else query.set(`b.${funder}`, String(value));
  }
  if ((request.levers_off || []).length) query.set("off", request.levers_off.join(","));
  for (const [name, value] of Object.entries(request.parameters || {})) query.set(`p.${name}`, String(value));
  if (request.horizon) query.set("h", request.horizon.join("-"));
  if (request.service_level !== undefined && request.service_level !== null) {
    query.set("sl", String(request.service_level));
  }
  if (lang && lang !== "fr") query.set("lang", lang);
  return query.toString();
}

// -- page state -------------------------------------------------------------------------------------------
const page = {
  lang: "fr", fmt: null, labels: {}, instances: [], instance: null, map: null,
  hash: null, result: null, pollTimer: null,
};
const $ = (id) => document.getElementById(id);

function t(key, fields = {}) {
  const text = page.labels[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in fields ? fields[name] : whole));
}
const named = (item) => item[`label_${page.lang}`] || item.label || item.name || item.code;

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, options);
  let data = null;
  try { data = await response.json(); } catch (error) { data = null; }
  if (!response.ok) {
    const failure = new Error(typeof data?.detail === "string" ? data.detail : `${response.status} ${response.statusText}`);
    failure.detail = data?.detail ?? failure.message;
    failure.status = response.status;
    throw failure;
  }
  return { status: response.status, data };
}

// -- controls ---------------------------------------------------------------------------------------------
function buildControls() {
  const instance = page.instance;
  const select = $("instance");
  select.replaceChildren(...page.instances.map((item) =>
    element("option", { value: item.name, text: item.name, selected: item.name === instance.name })));
  $("instance-field").hidden = page.instances.length < 2;

  const envelopes = $("envelopes");
  envelopes.replaceChildren(envelopes.querySelector("legend"));
  for (const funder of instance.funders) {
    const first = defaultEnvelope(funder, instance.horizon[0]);
    const row = element("div", { class: "funder", "data-field": `budgets.${funder.code}`, "data-funder": funder.code }, [
      element("label", {}, [
        element("span", { text: named(funder) }),
        element("input", { type: "number", min: "0", step: "10000", "data-funder": funder.code, "data-year": "",
                           placeholder: first === null ? "" : t("page.instance_value", { value: page.fmt.eur(first) }) }),
      ]),
      element("label", { class: "per-year-toggle" }, [
        element("input", { type: "checkbox", "data-per-year": funder.code }), t("page.per_year"),
      ]),
      element("div", { class: "years", hidden: true }),
    ]);
    envelopes.append(row);
  }

  const levers = $("levers");
  levers.replaceChildren(levers.querySelector("legend"), ...instance.levers.map((lever) =>
    element("label", { class: "lever" }, [
      element("input", { type: "checkbox", checked: true, "data-lever": lever.name }), named(lever),
    ])));

  const parameters = $("parameters");
  parameters.replaceChildren(parameters.querySelector("legend"));
  for (const parameter of instance.parameters) {
    const name = parameter.key ? `${parameter.name}[${parameter.key}]` : parameter.name;
    const number = (value) => page.fmt.number(value, decimalsOf(value));
    parameters.append(element("label", { class: "parameter", "data-field": `parameters.${name}` }, [
      element("span", { class: "name", text: name }),
      // low-high is the plausible range (sweeps), not a limit: the server checks the value's domain
      element("input", { type: "number", step: "any", "data-parameter": name, placeholder: number(parameter.value) }),
      element("small", { class: "unit", text: parameter.unit || "" }),
      element("small", { text: t("page.range", { low: number(parameter.low), high: number(parameter.high) }) }),
      element("small", { class: "source", text: t("page.source", { source: parameter.source ?? MISSING }) }),
    ]));
  }

  const years = instance.years?.length ? instance.years : range(instance.horizon[0], instance.horizon[1]);
  for (const [id, chosen] of [["horizon-from", instance.horizon[0]], ["horizon-to", instance.horizon[1]]]) {
    $(id).replaceChildren(...years.map((year) =>
      element("option", { value: year, text: String(year), selected: year === chosen })));
  }
  $("service-level").placeholder = instance.service_level === null || instance.service_level === undefined
    ? t("page.service_level_none") : page.fmt.number(instance.service_level, 2);

  const colourBy = $("colour-by");
  colourBy.replaceChildren(element("option", { value: "unmet_share", text: t("page.unmet_share") }),
    element("option", { value: "unmet_fte", text: t("page.unmet_horizon") }),
    ...instance.levers.map((lever) =>
      element("option", { value: lever.name, text: t("page.units_of", { name: named(lever) }) })));
}

const range = (first, last) => Array.from({ length: last - first + 1 }, (_, i) => first + i);
const decimalsOf = (value) => {
  const text = String(value ?? "");
  return text.includes(".") && !text.includes("e") ? Math.min(text.split(".")[1].length, 4) : 0;
};

/** The instance's envelope of a funder in a year, when /api/instances gives it (funder.budget). */
function defaultEnvelope(funder, year) {
  const budget = funder.budget;
  if (budget === undefined || budget === null) return null;
  if (typeof budget === "number") return budget;
  return budget[year] ?? budget[String(year)] ?? null;
}

function horizonYears() {
  return range(Number($("horizon-from").value), Number($("horizon-to").value));
}

/** The per-year inputs of a funder's envelope, for the years of the horizon chosen (values kept). */
function buildYearInputs(row) {
  const code = row.dataset.funder;
  const box = row.querySelector(".years");
  const kept = Object.fromEntries([...box.querySelectorAll("input")].map((input) => [input.dataset.year, input.value]));
  const funder = page.instance.funders.find((item) => item.code === code);
  box.replaceChildren(...horizonYears().map((year) => {
    const envelope = defaultEnvelope(funder, year);
    return element("label", { "data-field": `budgets.${code}.${year}` }, [
      element("span", { text: String(year) }),
      element("input", { type: "number", min: "0", step: "10000", "data-funder": code, "data-year": String(year),
                         value: kept[year] ?? "", placeholder: envelope === null ? "" : page.fmt.eur(envelope) }),
    ]);
  }));
}

/** The solve request the controls describe: only what differs from the instance's own scenario. */
function readForm() {
  const request = { instance: page.instance.name, budgets: {}, levers_off: [], parameters: {} };
  for (const row of document.querySelectorAll("#envelopes .funder")) {
    const code = row.dataset.funder;
    if (row.querySelector("[data-per-year]").checked) {
      const years = {};
      for (const input of row.querySelectorAll(".years input")) {
        if (input.value !== "") years[input.dataset.year] = Number(input.value);
      }
      if (Object.keys(years).length) request.budgets[code] = years;
    } else {
      const input = row.querySelector('input[data-year=""]');
      if (input.value !== "") request.budgets[code] = Number(input.value);
    }
  }
  for (const box of document.querySelectorAll("[data-lever]")) if (!box.checked) request.levers_off.push(box.dataset.lever);
  for (const input of document.querySelectorAll("[data-parameter]")) {
    if (input.value !== "") request.parameters[input.dataset.parameter] = Number(input.value);
  }
  const horizon = [Number($("horizon-from").value), Number($("horizon-to").value)];
  if (horizon[0] !== page.instance.horizon[0] || horizon[1] !== page.instance.horizon[1]) request.horizon = horizon;
  if ($("service-level").value !== "") request.service_level = Number($("service-level").value);
  return request;
}

/** Set the controls to a request (from the URL). */
function writeForm(request) {
  if (request.horizon) {
    $("horizon-from").value = String(request.horizon[0]);
    $("horizon-to").value = String(request.horizon[1]);
  }
  for (const row of document.querySelectorAll("#envelopes .funder")) {
    const value = request.budgets?.[row.dataset.funder];
    const perYear = typeof value === "object" && value !== null;
    row.querySelector("[data-per-year]").checked = perYear;
    row.querySelector(".years").hidden = !perYear;
    row.querySelector('input[data-year=""]').disabled = perYear;
    buildYearInputs(row);
    if (perYear) {
      for (const input of row.querySelectorAll(".years input")) input.value = value[input.dataset.year] ?? "";
    } else if (value !== undefined) row.querySelector('input[data-year=""]').value = String(value);
  }
  for (const box of document.querySelectorAll("[data-lever]")) {
    box.checked = !(request.levers_off || []).includes(box.dataset.lever);
  }
  for (const input of document.querySelectorAll("[data-parameter]")) {
    const value = request.parameters?.[input.dataset.parameter];
    input.value = value === undefined ? "" : String(value);
  }
  if (request.service_level !== undefined) $("service-level").value = String(request.service_level);
}

function syncUrl() {
  const query = queryFromScenario(readForm(), page.lang);
  history.replaceState(null, "", `${location.pathname}?${query}`);
  const other = page.lang === "fr" ? "en" : "fr";
  const otherQuery = new URLSearchParams(query);
  if (other === "fr") otherQuery.delete("lang"); else otherQuery.set("lang", other);
  $("other-lang").href = `${location.pathname}?${otherQuery}`;
  $("link").href = location.href;
}

// -- errors next to the control they name -----------------------------------------------------------------
function clearErrors(scope = document) {
  for (const node of scope.querySelectorAll(".field-error")) node.remove();
  for (const node of scope.querySelectorAll(".invalid")) node.classList.remove("invalid");
  $("form-error").hidden = true;
}

/** Show an error's detail: a list of {loc, msg} next to the controls named, or one line. */
function showErrors(detail, fallback = $("form-error")) {
  const items = Array.isArray(detail) ? detail : [{ loc: [], msg: String(detail) }];
  const general = [];
  for (const item of items) {
    const path = (item.loc || []).filter((part) => part !== "body" && part !== "query").join(".");
    const target = path ? fieldFor(path) : null;
    if (target) {
      target.classList.add("invalid");
      target.append(element("span", { class: "field-error", role: "alert", text: item.msg }));
    } else general.push(path ? `${path}: ${item.msg}` : item.msg);
  }
  if (general.length) {
    fallback.textContent = general.join(" ");
    fallback.hidden = false;
  }
}

function fieldFor(path) {
  let best = null;
  for (const node of document.querySelectorAll("[data-field]")) {
    const field = node.dataset.field;
    if ((path === field || path.startsWith(field + ".")) && (!best || field.length > best.dataset.field.length)) {
      if (node.offsetParent !== null || node.tagName === "FORM") best = node;
    }
  }
  return best;
}

// -- solving ----------------------------------------------------------------------------------------------
async function solve() {
  clearErrors();
  const request = readForm();
  syncUrl();
  stopPolling();
  try {
    const { status, data } = await api("POST", "/api/solve", request);
    page.hash = data.hash;
    if (status === 200 && data.state === "done") {
      show(data);
      if (data.prices === "pending") page.pollTimer = setTimeout(() => poll(data.hash), 500);
    } else { setBusy(true); showProgress(data); poll(data.hash); }
  } catch (error) {
    setBusy(false);
    setState("error", t("page.failed", { message: error.message }));
    showErrors(error.detail);
  }
}

function stopPolling() {
  clearTimeout(page.pollTimer);
  page.pollTimer = null;
}

async function poll(hash) {
  if (hash !== page.hash) return;
  let data;
  try {
    ({ data } = await api("GET", `/api/results/${hash}`));
  } catch (error) {
    setBusy(false);
    setState("error", t("page.failed", { message: error.message }));
    return;
  }
  if (hash !== page.hash) return;
  if (data.state === "queued" || data.state === "running") {
    showProgress(data);
    page.pollTimer = setTimeout(() => poll(hash), 250);
  } else {
    show(data);
    // the answer comes first, its shadow prices (and the sentence of what binds) a little later
    if (data.prices === "pending") page.pollTimer = setTimeout(() => poll(hash), 500);
  }
}

async function cancel() {
  if (!page.hash) return;
  try { await api("DELETE", `/api/solve/${page.hash}`); } catch (error) { showErrors(error.detail); }
}

function setBusy(busy) {
  document.body.classList.toggle("busy", busy);
  $("busy").hidden = !busy;
  $("cancel").disabled = !busy;
  $("result").setAttribute("aria-busy", String(busy));
}

function setState(state, text) {
  $("state").dataset.state = state;
  $("state").textContent = text;
}

function showProgress(data) {
  const fmt = page.fmt;
  if (data.state === "queued") {
    setState("queued", t("page.queued", { position: fmt.number(data.position ?? 0) }));
    return;
  }
  const progress = data.progress || {};
  const seconds = fmt.number(progress.seconds ?? 0, 1);
  // the stages of gpec.models.STAGES: unmet need first, then the least cost of that need
  const cost = String(progress.stage ?? "").endsWith("cost");
  const gap = fmt.percent(progress.gap, 2);
  if (!fmt.finite(progress.incumbent)) setState("running", t(cost ? "page.cost_searching" : "page.searching", { seconds }));
  else if (cost) setState("running", t("page.stage_cost", { objective: fmt.eur(progress.incumbent), gap, seconds }));
  else {
    setState("running", t("page.first_plan", { objective: fmt.number(progress.incumbent, 1),
      bound: fmt.number(progress.bound, 1), gap, seconds }));
  }
}

/** A finished job (done, cancelled or error): its state line, figures, map, charts, words and links. */
function show(data) {
  setBusy(false);
  page.result = data;
  const fmt = page.fmt;
  const gap = fmt.percent(data.gap, 2);
  const hasPlan = fmt.finite(data.objective);
  if (data.state === "error") setState("error", t("page.failed", { message: data.error || data.message || "" }));
  else if (data.state === "cancelled") setState("cancelled", t(hasPlan ? "page.interrupted" : "page.cancelled", { gap }));
  else if (!hasPlan) setState("done", t("page.no_plan", { status: t(`status.${data.status}`) }));
  else if (data.time_limit_reached) setState("done", t("page.time_limit", { gap }));
  else setState("done", t("page.proven", { gap }));
  $("state").dataset.hash = data.hash ?? "";

  const totals = data.totals || {};
  const figures = [
    ["page.status", data.status ? t(`status.${data.status}`) : MISSING],
    ["page.objective", fmt.number(data.objective, 1)],
    ["page.bound", fmt.number(data.bound, 1)],
    ["page.gap", gap],
    ["page.unmet_horizon", fmt.number(totals.unmet_fte, 1)],
    ["page.spend_eur", fmt.eur(totals.spend_eur)],
  ];
  $("figures").replaceChildren(...figures.flatMap(([key, value]) => [
    element("dt", { text: t(key) }), element("dd", { "data-figure": key.slice(5), text: value })]));

  paintMap();
  const years = (data.by_year || []).filter((row) => (row.phase ?? "horizon") === "horizon");  // not the tail
  drawBars($("chart-unmet"), years, "unmet_fte", (v) => fmt.number(v, 1));
  drawBars($("chart-spend"), years, "spend_eur", (v) => fmt.eur(v));
  $("explain").textContent = data.explain?.[page.lang] ?? "";
  $("prices-state").textContent = data.prices === "pending" ? t("page.prices_pending") : "";
  showShadowPrices(data.shadow_prices || []);
  const files = data.state === "done" && hasPlan;  // a cancelled what-if's plan is shown, not kept as files
  for (const link of document.querySelectorAll("#downloads [data-file]")) {
    link.href = files ? `/api/results/${data.hash}/${link.dataset.file}?lang=${page.lang}` : "";
    link.hidden = !files;
  }
}

/** The resources whose next unit avoids the most unmet need (positive shadow prices, best first). */
function showShadowPrices(rows) {
  const fmt = page.fmt;
  const shown = rows.filter((row) => fmt.finite(row.value) && Number(row.value) > 0)
    .sort((a, b) => b.value - a.value).slice(0, 25);
  const columns = [  // [label key, cell text, numeric]
    ["column.constraint", (row) => row.resource ?? "", false],
    ["column.unit", (row) => row.unit ?? "", false],
    ["column.value", (row) => fmt.number(row.value, 3), true],
    ["page.uncertainty", (row) => (fmt.finite(row.uncertainty) ? "± " + fmt.number(row.uncertainty, 3) : ""), true],
    ["column.eur_per_fte_year", (row) => fmt.eur(row.eur_per_fte_year), true],
    ["column.method", (row) => row.method ?? "", false],
  ];
  $("shadow-table").replaceChildren(element("table", {}, [
    element("thead", {}, [element("tr", {}, columns.map(([key]) => element("th", { text: t(key) })))]),
    element("tbody", {}, shown.map((row) => element("tr", {}, columns.map(([, text, numeric]) =>
      element("td", { class: numeric ? "number" : null, text: text(row) }))))),
  ]));
  $("shadow").hidden = shown.length === 0;
}

// -- the map ----------------------------------------------------------------------------------------------
const SEQUENTIAL = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"];
const DIVERGING = ["#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"];
const NO_DATA = "#d9d9d9";

/** An SVG map of the instance's bassins (paths) and establishments (circles), in `box`. */
function drawMap(box, withCard) {
  const map = page.map;
  if (!map) return;
  const [, , width] = map.viewBox.split(/[\s,]+/).map(Number);
  const root = svg("svg", { viewBox: map.viewBox, role: "img", preserveAspectRatio: "xMidYMid meet" });
  const bassins = svg("g", { class: "bassins" });
  for (const bassin of map.bassins) {
    const path = svg("path", { d: bassin.d, "data-bassin": bassin.code, fill: NO_DATA });
    path.append(svg("title"));
    path.lastChild.textContent = `${bassin.label ?? ""} (${bassin.code})`;
    if (withCard) {
      path.addEventListener("pointermove", (event) => showCard(bassin, event));
      path.addEventListener("pointerleave", () => { $("hover-card").hidden = true; });
    }
    bassins.append(path);
  }
  const structures = svg("g", { class: "structures" });
  for (const point of map.structures || []) {
    structures.append(svg("circle", { cx: point.x, cy: point.y, r: width / 300, "data-kind": point.kind ?? "" }));
  }
  root.append(bassins, structures);
  box.replaceChildren(root);
}

/** Colour the main map by the chosen quantity of the result's by_bassin rows: the share of need unmet on
 * fixed classes (the same colour means the same share in every what-if), unmet FTE-years or a lever's units
 * on classes of round numbers. */
function paintMap() {
  const column = $("colour-by").value || "unmet_share";
  const rows = page.result?.by_bassin || [];
  const valueOf = column === "unmet_share"
    ? (row) => (Number(row.need_fte) > 0 ? Number(row.unmet_fte) / Number(row.need_fte) : NaN)
    : (row) => Number(row[column] ?? 0);
  const values = Object.fromEntries(rows.map((row) => [String(row.bassin), valueOf(row)]));
  const title = $("colour-by").selectedOptions[0]?.textContent ?? column;
  if (column === "unmet_share") paint($("map"), $("legend"), values, SEQUENTIAL, SHARE_BREAKS, title, page.fmt.percent);
  else paint($("map"), $("legend"), values, SEQUENTIAL, roundBreaks(values, false), title);
}

/** Class limits of share unmet (6 limits, 7 classes). */
const SHARE_BREAKS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15];

/** The least of 1, 2, 2.5, 5 times a power of ten that is at least `x` (> 0). */
function roundUp(x) {
  const power = 10 ** Math.floor(Math.log10(x));
  return power * [1, 2, 2.5, 5, 10].find((m) => m * power >= x * (1 - 1e-12));
}

/** 6 class limits of round numbers covering the values: from 0 up, or centred on 0 when `signed`. */
function roundBreaks(values, signed) {
  const top = Math.max(0, ...Object.values(values).filter(Number.isFinite).map(Math.abs));
  if (signed) {
    const step = top > 0 ? roundUp(top / 3) : 1;
    return [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5].map((k) => k * step);
  }
  const step = top > 0 ? roundUp(top / 7) : 1;
  return [1, 2, 3, 4, 5, 6].map((k) => k * step);
}

/** Fill each bassin by the class of its value (`breaks`: the 6 limits between the 7 `colours`) and draw
 * the legend; `format` writes a limit. */
function paint(box, legendBox, values, colours, breaks, title, format = (v) => page.fmt.number(v, 1)) {
  const classOf = (value) => breaks.filter((limit) => value >= limit).length;
  for (const path of box.querySelectorAll("path[data-bassin]")) {
    const value = values[path.dataset.bassin];
    const known = Number.isFinite(value);
    path.setAttribute("fill", known ? colours[classOf(value)] : NO_DATA);
    path.dataset.value = known ? String(value) : "";
  }
  const limits = colours.map((_, i) => i === 0 ? `< ${format(breaks[0])}`
    : i === colours.length - 1 ? `≥ ${format(breaks[i - 1])}` : `${format(breaks[i - 1])} – ${format(breaks[i])}`);
  legendBox.replaceChildren(element("span", { class: "legend-title", text: title }),
    ...colours.map((colour, i) => element("span", { class: "legend-step" }, [
      element("i", { style: `background:${colour}` }), limits[i]])));
}

function showCard(bassin, event) {
  const fmt = page.fmt;
  const row = (page.result?.by_bassin || []).find((item) => String(item.bassin) === String(bassin.code)) || {};
  const colon = page.lang === "fr" ? "\u00a0: " : ": ";
  const lines = [element("strong", { text: `${bassin.label ?? ""} (${bassin.code})` }),
    element("div", { text: t("page.unmet_horizon") + colon + fmt.number(row.unmet_fte, 1) }),
    element("div", { text: t("page.unmet_share") + colon + fmt.percent(row.unmet_fte / row.need_fte, 1) })];
  for (const lever of page.instance.levers) {
    if (fmt.finite(row[lever.name]) && Number(row[lever.name]) !== 0) {
      lines.push(element("div", { text: named(lever) + colon + fmt.number(row[lever.name], 1) }));
    }
  }
  const card = $("hover-card");
  card.replaceChildren(...lines);
  const panel = $("map-panel").getBoundingClientRect();
  card.style.left = `${event.clientX - panel.left + 12}px`;
  card.style.top = `${event.clientY - panel.top + 12}px`;
  card.hidden = false;
}

// -- charts -----------------------------------------------------------------------------------------------
/** A bar chart of rows[column] by year, in `box` (SVG, labels formatted by `format`). */
function drawBars(box, rows, column, format) {
  const width = 360, height = 170, left = 8, bottom = 22, top = 18;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart" });
  const values = rows.map((row) => Number(row[column] ?? 0));
  const most = Math.max(0, ...values.filter(Number.isFinite));
  const slot = (width - 2 * left) / Math.max(rows.length, 1);
  rows.forEach((row, i) => {
    const value = values[i];
    const h = most > 0 && Number.isFinite(value) ? (height - top - bottom) * value / most : 0;
    const x = left + i * slot;
    const bar = svg("rect", { x: x + slot * 0.15, y: height - bottom - h, width: slot * 0.7, height: h,
                              "data-year": row.year, "data-value": value });
    const tip = svg("title");
    tip.textContent = `${row.year}: ${format(value)}`;
    bar.append(tip);
    const year = svg("text", { x: x + slot / 2, y: height - 6, "text-anchor": "middle" });
    year.textContent = String(row.year).slice(rows.length > 8 ? 2 : 0);
    root.append(bar, year);
  });
  if (rows.length) {
    const label = svg("text", { x: left, y: 12, class: "chart-max" });
    label.textContent = `max ${format(most)}`;
    root.append(label);
  }
  box.replaceChildren(root);
}

// -- saved scenarios and comparison -------------------------------------------------------------------------
async function save(event) {
  event.preventDefault();
  clearErrors($("save-form"));
  const name = $("save-name").value.trim();
  if (!page.hash || !name) return;
  try {
    await api("POST", "/api/scenarios", { name, hash: page.hash });
    await listScenarios();
    $("save-state").textContent = t("page.saved", { name });
    $("save-name").value = "";
  } catch (error) {
    $("save-state").textContent = "";
    showErrors(error.detail, $("save-state"));
  }
}

async function listScenarios() {
  const { data } = await api("GET", `/api/scenarios?instance=${encodeURIComponent(page.instance.name)}`);
  for (const [id, pick] of [["compare-a", data.length - 2], ["compare-b", data.length - 1]]) {  // the last two
    $(id).replaceChildren(...data.map((item, i) => element("option", { value: item.hash, text: item.name,
      selected: i === pick })));
  }
  $("compare").disabled = data.length < 2;
}

async function compare(event) {
  event.preventDefault();
  clearErrors($("compare-form"));
  const a = $("compare-a").value, b = $("compare-b").value;
  let data;
  try {
    ({ data } = await api("GET", `/api/compare?a=${a}&b=${b}&lang=${page.lang}`));
  } catch (error) {
    for (const id of ["compare-summary", "compare-map", "compare-legend", "compare-tables"]) $(id).replaceChildren();
    showErrors(error.detail, $("compare-headline"));
    $("comparison").hidden = false;
    return;
  }
  $("comparison").hidden = false;
  $("compare-headline").textContent = data.headline ?? "";
  $("compare-summary").replaceChildren(linesNode((data.lines || []).slice(1)));  // the first is the headline
  drawMap($("compare-map"), false);
  const values = Object.fromEntries((data.by_bassin || []).map((row) => [String(row.bassin), Number(row.diff)]));
  paint($("compare-map"), $("compare-legend"), values, DIVERGING, roundBreaks(values, true), t("page.difference"));
  $("compare-tables").replaceChildren(...(data.tables || []).map(tableNode));
}

function linesNode(lines) {
  return element("ul", {}, lines.map((line) => element("li", { text: String(line) })));
}

function tableNode(table) {
  const columns = table.columns || [];
  return element("figure", { class: "table" }, [
    element("figcaption", { text: table.title ?? "" }),
    element("table", {}, [
      element("thead", {}, [element("tr", {}, columns.map((name) => element("th", { text: name })))]),
      // the cells of gpec.comparison.people_tables: already written for people
      element("tbody", {}, (table.rows || []).map((row) => element("tr", {},
        row.map((cell) => element("td", { text: String(cell ?? "") }))))),
    ]),
  ]);
}

// -- start --------------------------------------------------------------------------------------------------
async function start() {
  const query = new URLSearchParams(location.search);
  page.lang = query.get("lang") === "en" ? "en" : "fr";
  page.fmt = formatter(page.lang);
  document.documentElement.lang = page.lang;
  try {
    const [labels, instances] = await Promise.all([
      api("GET", `/api/labels?lang=${page.lang}`), api("GET", "/api/instances")]);
    page.labels = labels.data;
    page.instances = instances.data;
  } catch (error) {
    setState("error", error.message);
    return;
  }
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  document.title = t("page.title");
  $("other-lang").textContent = t("page.other_lang");
  const request = scenarioFromQuery(location.search);
  page.instance = page.instances.find((item) => item.name === request.instance) || page.instances[0];
  buildControls();
  writeForm(request);
  setState("idle", t("page.no_result"));

  const controls = $("controls");
  controls.addEventListener("submit", (event) => { event.preventDefault(); solve(); });
  controls.addEventListener("input", syncUrl);
  controls.addEventListener("change", (event) => {
    const code = event.target.dataset?.perYear;
    if (code) {
      const row = event.target.closest(".funder");
      row.querySelector(".years").hidden = !event.target.checked;
      row.querySelector('input[data-year=""]').disabled = event.target.checked;
    }
    if (event.target.id === "horizon-from" || event.target.id === "horizon-to") {
      document.querySelectorAll("#envelopes .funder").forEach(buildYearInputs);
    }
    syncUrl();
  });
  $("instance").addEventListener("change", () => {
    location.search = queryFromScenario({ instance: $("instance").value }, page.lang);
  });
  $("cancel").addEventListener("click", cancel);
  $("colour-by").addEventListener("change", paintMap);
  $("save-form").addEventListener("submit", save);
  $("compare-form").addEventListener("submit", compare);
  syncUrl();
  // the map, the saved scenarios and the answer are asked at once
  api("GET", `/api/instances/${page.instance.name}/map`).then(({ data }) => {
    page.map = data;
    drawMap($("map"), true);
    if (page.result) paintMap();
  }).catch((error) => { $("map").textContent = error.message; });
  listScenarios().catch((error) => showErrors(error.detail, $("save-state")));
  solve();  // a link reproduces its scenario: a cached one answers at once
}

window.gpecPage = { formatter, scenarioFromQuery, queryFromScenario };
document.addEventListener("DOMContentLoaded", start);
