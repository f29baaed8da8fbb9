// The student page: pick a question, type an answer (or a derivation), see it as read, check it.
// Talks only to this server; KaTeX is served by it too. No answer is evaluated here.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = { results: [], features: [], previewSeq: 0, previewTimer: null };

  function math(el, tex, display) {
    el.textContent = "";
    if (!tex) return;
    try {
      window.katex.render(tex, el, { displayMode: !!display, throwOnError: false, output: "htmlAndMathml" });
    } catch (e) {
      el.textContent = tex;
    }
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, data, retryAfter: response.headers.get("Retry-After") };
  }

  function current() { return state.results.find((r) => r.id === $("question").value); }
  function mode() { const m = document.querySelector("input[name=mode]:checked"); return m ? m.value : "answer"; }

  function showQuestion() {
    const r = current();
    if (!r) return;
    $("question-title").textContent = r.title;
    math($("question-math"), r.question ? r.question + " = \\;?" : "", true);
    const list = $("symbols");
    list.textContent = "";
    for (const line of r.symbols) {
      const i = line.indexOf(":");
      list.append(i > 0 ? el("li", {}, el("code", {}, line.slice(0, i)), line.slice(i)) : el("li", {}, line));
    }
    if (location.hash.slice(1) !== r.id) history.replaceState(null, "", "#" + r.id);
    schedulePreview();
  }

  async function loadResults() {
    let data = null;
    for (let attempt = 0; attempt < 60; attempt++) {
      const response = await fetch("/results");
      if (response.ok) { data = await response.json(); break; }
      $("preview-status").textContent = "The checker is starting...";
      await new Promise((ok) => setTimeout(ok, 2000));
    }
    if (!data) { $("preview-status").textContent = "The checker is not available."; return; }
    state.results = data.results.filter((r) => r.checkable);
    state.features = data.features;
    const select = $("question");
    const groups = {};
    for (const r of state.results) {
      if (!groups[r.topic]) {
        groups[r.topic] = el("optgroup", { label: r.topic_title });
        select.append(groups[r.topic]);
      }
      groups[r.topic].append(el("option", { value: r.id }, `${r.id}: ${r.title}`));
    }
    const wanted = decodeURIComponent(location.hash.slice(1));
    if (state.results.some((r) => r.id === wanted)) select.value = wanted;
    $("mode-box").hidden = !state.features.includes("verify");
    $("preview-status").textContent = "";
    showQuestion();
  }

  function schedulePreview() {
    clearTimeout(state.previewTimer);
    state.previewTimer = setTimeout(preview, 250);
  }

  async function previewOne(text) {
    const { status, data } = await post("/preview", { answer: text, against: $("question").value,
                                                      syntax: $("syntax").value });
    if (status === 200) return data;
    return { ok: false, latex: null, message: data && data.message ? data.message : `error ${status}` };
  }

  // "a = b = c" -> its pieces, cutting at "=" outside brackets (so \sum_{k=1} stays whole); for display only.
  function splitChain(line) {
    const pieces = [];
    let depth = 0, start = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if ("({[".includes(c)) depth++;
      else if (")}]".includes(c)) depth--;
      else if (c === "=" && depth === 0) { pieces.push(line.slice(start, i)); start = i + 1; }
    }
    pieces.push(line.slice(start));
    return pieces.map((p) => p.trim()).filter((p) => p);
  }

  // A derivation is previewed line by line (each line as read; "=" at the start of a line is the chain).
  async function preview() {
    const seq = ++state.previewSeq;
    const text = $("answer").value;
    const target = $("preview"), status = $("preview-status");
    if (!text.trim() || !current()) { target.textContent = ""; status.textContent = ""; return; }
    if (mode() === "derivation") {
      // one expression per line; LaTeX rows lose their alignment marks and line breaks
      const lines = text.split("\n")
        .map((l) => l.trim().replace(/\\\\$/, "").replace(/&/g, "").replace(/^\s*=\s*/, "").trim())
        .filter((l) => l && !l.startsWith("#") && !/^(\\begin|\\end|\$\$|\\\[|\\\])/.test(l))
        .flatMap(splitChain).slice(0, 30);
      const read = await Promise.all(lines.map((l) => previewOne(l)));
      if (seq !== state.previewSeq) return;
      target.textContent = "";
      const bad = read.findIndex((p) => !p.ok);
      read.forEach((p, n) => {
        const row = el("div", { class: "math" });
        target.append(row);
        if (p.ok) math(row, (n ? "= " : "") + p.latex, false); else row.textContent = lines[n];
      });
      status.className = bad >= 0 ? "status error" : "status";
      status.textContent = bad >= 0 ? `line ${bad + 1}: ${read[bad].message}` : "";
      return;
    }
    const p = await previewOne(text);
    if (seq !== state.previewSeq) return;
    if (p.ok) { math(target, p.latex, true); status.className = "status"; status.textContent = ""; }
    else { target.textContent = ""; status.className = "status error"; status.textContent = p.message; }
  }

  function counterexampleTable(ce) {
    const table = el("table", { class: "counterexample" });
    const point = Object.entries(ce.point).map(([k, v]) => `${k} = ${v}`).join(", ");
    table.append(el("tr", {}, el("th", {}, "at"), el("td", {}, point)));
    table.append(el("tr", {}, el("th", {}, "your answer"), el("td", {}, ce.answer)));
    table.append(el("tr", {}, el("th", {}, "expected"), el("td", {}, ce.expected)));
    return table;
  }

  const HEADINGS = { equivalent: "Right", not_equivalent: "Not right", invalid: "Cannot read this answer",
                     undecided: "Undecided", correct: "Correct derivation", incorrect: "Not right" };

  function showAnswerVerdict(box, v) {
    box.append(el("h2", {}, HEADINGS[v.verdict] || v.verdict));
    box.append(el("p", { class: "message" }, v.message));
    if (v.diagnosis) box.append(el("p", { class: "diagnosis" }, "Named mistake: ", el("code", {}, v.diagnosis)));
    if (v.counterexample) box.append(counterexampleTable(v.counterexample));
    if (v.parsed) {
      box.append(el("p", { class: "label" }, "Your answer as read:"));
      const m = el("div", { class: "math" });
      box.append(m);
      math(m, v.parsed, true);
    }
  }

  function showDerivationVerdict(box, v) {
    box.append(el("h2", {}, HEADINGS[v.verdict] || v.verdict));
    box.append(el("p", { class: "message" }, v.message));
    if (v.first_error) box.append(el("p", { class: "first-error" }, `First wrong step: expression ${v.first_error}`));
    const list = el("ol", { class: "steps" });
    for (const s of v.steps) {
      const item = el("li", { class: s.verdict === "equivalent" ? "good" : "bad" });
      const m = el("span", { class: "math" });
      item.append(m, " ", el("span", {}, `(line ${s.line}) ${s.message}`));
      if (s.rule) item.append(el("span", {}, ` [${s.rule}]`));
      if (s.latex) math(m, s.latex, false); else m.textContent = s.text;
      list.append(item);
    }
    box.append(list);
    if (v.final) box.append(el("p", { class: "final" }, `Final answer: ${v.final.message}`));
  }

  async function check(event) {
    if (event) event.preventDefault();
    const text = $("answer").value;
    const box = $("verdict");
    box.hidden = false;
    box.textContent = "";
    if (!text.trim()) {
      box.dataset.verdict = "error";
      box.append(el("p", {}, "Type an answer first."));
      $("answer").focus();
      return;
    }
    const derivation = mode() === "derivation";
    $("check").disabled = true;
    box.dataset.verdict = "pending";
    box.append(el("p", {}, "Checking..."));
    try {
      const body = derivation ? { derivation: text, against: $("question").value, syntax: $("syntax").value }
                              : { answer: text, against: $("question").value, syntax: $("syntax").value };
      const { status, data, retryAfter } = await post(derivation ? "/verify" : "/check", body);
      box.textContent = "";
      if (status === 200) {
        box.dataset.verdict = data.verdict;
        (derivation ? showDerivationVerdict : showAnswerVerdict)(box, data);
      } else {
        box.dataset.verdict = "error";
        const wait = retryAfter ? ` Try again in ${retryAfter} s.` : "";
        box.append(el("h2", {}, "Not checked"), el("p", {}, ((data && data.message) || `error ${status}`) + wait));
      }
    } catch (e) {
      box.textContent = "";
      box.dataset.verdict = "error";
      box.append(el("h2", {}, "Not checked"), el("p", {}, "The server could not be reached."));
    } finally {
      $("check").disabled = false;
      box.focus();
    }
  }

  function start() {
    $("form").addEventListener("submit", check);
    $("answer").addEventListener("input", schedulePreview);
    $("answer").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) check(e);
    });
    $("question").addEventListener("change", showQuestion);
    window.addEventListener("hashchange", () => {
      const wanted = decodeURIComponent(location.hash.slice(1));
      if (wanted !== $("question").value && state.results.some((r) => r.id === wanted)) {
        $("question").value = wanted;
        showQuestion();
      }
    });
    $("syntax").addEventListener("change", schedulePreview);
    for (const r of document.querySelectorAll("input[name=mode]")) {
      r.addEventListener("change", () => {
        const d = mode() === "derivation";
        $("answer-label").textContent = d ? "Your derivation (one step per line, later lines start with =)"
                                          : "Your answer";
        $("answer").rows = d ? 8 : 3;
        schedulePreview();
      });
    }
    loadResults();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
