// nnzero playground page. The server trains; this file only sends the
// settings and draws the frames it receives over the websocket.
"use strict";

(function () {
  const FEATURES = [["x1", "X\u2081"], ["x2", "X\u2082"], ["x1sq", "X\u2081\u00b2"],
    ["x2sq", "X\u2082\u00b2"], ["x1x2", "X\u2081X\u2082"], ["sinx1", "sin(X\u2081)"],
    ["sinx2", "sin(X\u2082)"]];
  const SETS = {
    classification: [["circle", "Circle"], ["xor", "Exclusive or"], ["gauss", "Gaussian"],
      ["spiral", "Spiral"]],
    regression: [["plane", "Plane"], ["multigauss", "Multi-Gaussian"]],
  };
  const USER_SETS = [["upload", "Uploaded CSV"], ["custom", "Clicked points"]];
  const DEFAULTS = {
    problem: "classification", dataset: "circle", noise: 0, train_ratio: 0.5, batch_size: 10,
    features: ["x1", "x2"], layers: [4, 2], activation: "tanh", learning_rate: 0.03,
    optimizer: "sgd", regularization: "none", reg_rate: 0, dropout: 0, batch_norm: false, seed: 0,
  };
  const MAX_LAYERS = 6, MAX_NEURONS = 8;
  const PAGE_KEYS = ["show_test", "discretize"];
  const $ = (id) => document.getElementById(id);

  // What the page knows: the settings it asked for, the last data and frame.
  const state = {
    hover: null,
    settings: readHash(), session: null, ws: null, playing: false, waiting: false,
    data: null, frame: null, history: [], traceIndex: 0, trace: null, drawPending: false,
  };
  // Tests read the last frame and data from here.
  window.nnzPlayground = state;
  const { decode, drawMap, scheduleDraw, showTrace } = window.nnzDraw(state, $);

  // -- URL state ------------------------------------------------------------
  function readHash() {
    const s = JSON.parse(JSON.stringify(DEFAULTS));
    const params = new URLSearchParams(location.hash.slice(1));
    for (const [key, raw] of params) {
      if (!(key in DEFAULTS)) continue;
      const d = DEFAULTS[key];
      if (Array.isArray(d)) {
        s[key] = raw === "" ? [] : raw.split(",").map((v) => (key === "layers" ? Number(v) : v));
      } else if (typeof d === "boolean") s[key] = raw === "true";
      else if (typeof d === "number") s[key] = Number(raw);
      else s[key] = raw;
    }
    return s;
  }

  function writeHash() {
    const params = new URLSearchParams();
    for (const key of Object.keys(DEFAULTS)) {
      const v = state.settings[key];
      params.set(key, Array.isArray(v) ? v.join(",") : String(v));
    }
    // What only the page uses: the two output check boxes.
    for (const key of PAGE_KEYS) params.set(key, String($(key).checked));
    history.replaceState(null, "", "#" + params.toString());
  }

  function readPageHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    for (const key of PAGE_KEYS) $(key).checked = params.get(key) === "true";
  }

  // -- messages -------------------------------------------------------------
  function connect() {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    state.ws = ws;
    ws.onmessage = (event) => receive(JSON.parse(event.data));
    ws.onclose = () => {
      state.playing = false;
      showPlay();
      showError("The connection to the playground server closed. Reload the page to start again.");
    };
  }

  function send(message) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(message));
  }

  function sendSettings() {
    clearError();
    writeHash();
    state.waiting = true;
    state.settingsSent = true;
    send({ type: "settings", settings: state.settings });
  }

  function receive(m) {
    if (m.type === "hello") {
      state.session = m.session;
      document.body.dataset.session = m.session;
      sendSettings();
    } else if (m.type === "data") {
      state.settingsSent = false;
      state.data = m;
      state.settings = m.settings;
      state.history = [];
      writeHash();
      showSettings();
      showLegend();
      buildNetwork();
    } else if (m.type === "frame") {
      state.waiting = false;
      state.frame = m;
      if (m.epoch === 0) state.history = [];
      state.history.push([m.epoch, m.train_loss, m.test_loss]);
      if (state.history.length > 2000) state.history.splice(0, state.history.length - 2000);
      scheduleDraw();
      if (m.train_loss === null) {
        state.playing = false;
        showPlay();
        showError("The loss is no longer a finite number: the run diverged. Lower the " +
          "learning rate (or the regularization rate) and reset.");
      }
      if (state.playing) tick();
      // Stepping with the step view open: the same sample through the new weights.
      else if (state.trace) send({ type: "trace", index: state.traceIndex });
    } else if (m.type === "trace") {
      state.trace = m;
      showTrace();
    } else if (m.type === "error") {
      state.waiting = false;
      showError(m.message);
      if (state.playing) { state.playing = false; showPlay(); }
      // Refused settings: show again the ones the server kept.
      if (state.settingsSent) send({ type: "data" });
    }
  }

  function tick() {
    state.waiting = true;
    send({ type: "tick" });
  }

  // -- errors ---------------------------------------------------------------
  function showError(text) {
    const box = $("error");
    box.textContent = text;
    box.hidden = false;
  }

  function clearError() {
    $("error").hidden = true;
    $("error").textContent = "";
  }

  // -- controls -------------------------------------------------------------
  function showSettings() {
    const s = state.settings;
    const datasets = $("dataset");
    datasets.replaceChildren();
    for (const [value, label] of [...SETS[s.problem], ...USER_SETS]) {
      datasets.append(new Option(label, value, false, value === s.dataset));
    }
    for (const key of ["learning_rate", "reg_rate", "dropout"]) selectNumber(key, s[key]);
    for (const key of ["activation", "optimizer", "regularization", "problem"]) $(key).value = s[key];
    $("batch_norm").checked = s.batch_norm;
    $("seed").value = s.seed;
    $("train_ratio").value = Math.round(s.train_ratio * 100);
    $("train_ratio_value").textContent = Math.round(s.train_ratio * 100);
    $("noise").value = Math.round(s.noise * 100);
    $("noise_value").textContent = Math.round(s.noise * 100);
    $("batch_size").value = s.batch_size;
    $("batch_size_value").textContent = s.batch_size;
    const n = s.layers.length;
    $("layer-count").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
  }

  // What the two colours mean: the classes (their names for an uploaded file) or values.
  function showLegend() {
    const names = state.data.class_names;
    const regression = state.settings.problem === "regression";
    const parts = regression ? ["\u22121", "+1"] : names ? names : ["class 0", "class 1"];
    const legend = $("legend");
    legend.replaceChildren();
    legend.append(regression ? "Values:" : "Classes:");
    [["neg", parts[0]], ["pos", parts[1]]].forEach(([kind, text]) => {
      const swatch = document.createElement("span");
      swatch.className = `swatch ${kind}`;
      legend.append(swatch, text);
    });
    legend.append(`  \u00b7  ${state.data.n_train} training, ${state.data.n_test} test points`);
  }

  function selectNumber(id, value) {
    const select = $(id);
    const match = [...select.options].find((o) => Number(o.value) === Number(value));
    if (!match) select.append(new Option(String(value), String(value), false, true));
    select.value = match ? match.value : String(value);
  }

  function change(key, value) {
    state.settings[key] = value;
    sendSettings();
  }

  function wireControls() {
    $("play").addEventListener("click", () => {
      state.playing = !state.playing;
      showPlay();
      if (state.playing && !state.waiting) tick();
    });
    $("step").addEventListener("click", () => {
      state.playing = false;
      showPlay();
      if (!state.waiting) { state.waiting = true; send({ type: "step" }); }
    });
    $("reset").addEventListener("click", () => { state.history = []; send({ type: "reset" }); });
    for (const key of ["learning_rate", "reg_rate", "dropout"]) {
      $(key).addEventListener("change", (e) => change(key, Number(e.target.value)));
    }
    for (const key of ["activation", "optimizer", "regularization"]) {
      $(key).addEventListener("change", (e) => change(key, e.target.value));
    }
    $("problem").addEventListener("change", (e) => {
      state.settings.problem = e.target.value;
      change("dataset", SETS[e.target.value][0][0]);
    });
    $("dataset").addEventListener("change", (e) => change("dataset", e.target.value));
    $("batch_norm").addEventListener("change", (e) => change("batch_norm", e.target.checked));
    $("seed").addEventListener("change", (e) => {
      const v = Math.max(0, Math.floor(Number(e.target.value) || 0));
      change("seed", v);
    });
    const sliders = [["train_ratio", 0.01], ["noise", 0.01], ["batch_size", 1]];
    for (const [key, scale] of sliders) {
      $(key).addEventListener("input", (e) => { $(key + "_value").textContent = e.target.value; });
      $(key).addEventListener("change", (e) => change(key, Math.round(Number(e.target.value)) * scale));
    }
    $("add-layer").addEventListener("click", () => {
      if (state.settings.layers.length >= MAX_LAYERS) return;
      change("layers", [...state.settings.layers, 2]);
    });
    $("remove-layer").addEventListener("click", () => {
      if (!state.settings.layers.length) return;
      change("layers", state.settings.layers.slice(0, -1));
    });
    $("upload").addEventListener("change", upload);
    $("output").addEventListener("click", addPoint);
    for (const key of PAGE_KEYS) {
      $(key).addEventListener("change", () => { writeHash(); scheduleDraw(); });
    }
    for (const kind of ["model", "config", "data", "python"]) {
      $("export-" + kind).addEventListener("click", () => download(kind));
    }
    $("trace").addEventListener("click", () => send({ type: "trace", index: state.traceIndex }));
    $("trace-next").addEventListener("click", () => {
      const n = state.data ? state.data.train.length : 1;
      state.traceIndex = (state.traceIndex + 1) % Math.max(n, 1);
      send({ type: "trace", index: state.traceIndex });
    });
    $("trace-hide").addEventListener("click", () => { state.trace = null; showTrace(); });
    window.addEventListener("resize", scheduleDraw);
    // A pasted or edited link: its settings, a new run.
    window.addEventListener("hashchange", () => {
      state.settings = readHash();
      readPageHash();
      sendSettings();
    });
  }

  function showPlay() {
    const button = $("play");
    button.textContent = state.playing ? "\u275a\u275a Pause" : "\u25b6 Play";
    button.classList.toggle("playing", state.playing);
  }

  async function upload(event) {
    const file = event.target.files[0];
    if (!file) return;
    clearError();
    try {
      const reply = await fetch(`/api/upload?session=${state.session}`, { method: "POST", body: file });
      const body = await reply.json();
      if (!body.ok) showError(body.error);
      else send({ type: "data" });
    } catch (err) {
      showError(`The upload failed: ${err}`);
    }
    event.target.value = "";
  }

  function addPoint(event) {
    const choice = $("add_class").value;
    if (choice === "" || !state.data) return;
    const rect = event.target.getBoundingClientRect();
    const e = state.data.extent;
    const x1 = ((event.clientX - rect.left) / rect.width) * 2 * e - e;
    const x2 = e - ((event.clientY - rect.top) / rect.height) * 2 * e;
    const regression = state.settings.problem === "regression";
    const label = regression ? (choice === "1" ? 1 : -1) : Number(choice);
    send({ type: "add_point", x1, x2, label });
  }

  async function download(kind) {
    clearError();
    try {
      const reply = await fetch(`/api/export/${kind}?session=${state.session}`);
      if (!reply.ok) {
        const body = await reply.json();
        showError(body.error);
        return;
      }
      const name = /filename="([^"]+)"/.exec(reply.headers.get("Content-Disposition"))[1];
      const url = URL.createObjectURL(await reply.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) {
      showError(`The export failed: ${err}`);
    }
  }

  // -- the network ------------------------------------------------------------
  // Columns: input features, each hidden layer, the output; nodes hold a canvas each.
  function buildNetwork() {
    const net = $("net");
    for (const col of [...net.querySelectorAll(".col")]) col.remove();
    const s = state.settings;
    const features = makeColumn("Features");
    FEATURES.forEach(([key, label]) => {
      const on = s.features.includes(key);
      const node = makeNode(features, `feature-${key}`);
      node.classList.add("feature");
      node.classList.toggle("off", !on);
      const box = document.createElement("label");
      const check = document.createElement("input");
      check.type = "checkbox";
      check.checked = on;
      check.addEventListener("change", () => {
        const chosen = FEATURES.map(([k]) => k)
          .filter((k) => (k === key ? check.checked : s.features.includes(k)));
        if (!chosen.length) { check.checked = true; return; }
        change("features", chosen);
      });
      box.append(check, label);
      node.prepend(box);  // left of the map, so the edges leave the map's right side clear
      const index = s.features.indexOf(key);
      if (on) drawMap(node.querySelector("canvas"), decode(state.data.features[index]));
      node.dataset.inputIndex = on ? index : -1;
    });
    s.layers.forEach((units, l) => {
      const col = makeColumn(`${units} neuron${units === 1 ? "" : "s"}`);
      const minus = button("\u2212", () => setUnits(l, units - 1));
      const plus = button("+", () => setUnits(l, units + 1));
      col.querySelector(".title").prepend(plus, minus, document.createElement("br"));
      for (let j = 0; j < units; j++) makeNode(col, `neuron-${l}-${j}`);
    });
    const out = makeColumn("Output");
    makeNode(out, "neuron-out");
    scheduleDraw();
  }

  function setUnits(layer, units) {
    if (units < 1 || units > MAX_NEURONS) return;
    const layers = [...state.settings.layers];
    layers[layer] = units;
    change("layers", layers);
  }

  function button(text, onClick) {
    const b = document.createElement("button");
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function makeColumn(title) {
    const col = document.createElement("div");
    col.className = "col";
    const t = document.createElement("div");
    t.className = "title";
    t.append(title);
    col.append(t);
    $("net").append(col);
    return col;
  }

  function makeNode(col, testid) {
    const node = document.createElement("div");
    node.className = "node";
    const canvas = document.createElement("canvas");
    canvas.width = 50;
    canvas.height = 50;
    canvas.dataset.testid = testid;
    canvas.addEventListener("mouseenter", () => { state.hover = testid; scheduleDraw(); });
    canvas.addEventListener("mouseleave", () => { state.hover = null; scheduleDraw(); });
    node.append(canvas);
    const value = document.createElement("span");
    value.className = "value";
    node.append(value);
    col.append(node);
    return node;
  }

  document.addEventListener("DOMContentLoaded", () => {
    readPageHash();
    showSettings();
    wireControls();
    connect();
  });
})();
