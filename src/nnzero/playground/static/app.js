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
  const $ = (id) => document.getElementById(id);

  // What the page knows: the settings it asked for, the last data and frame.
  const state = {
    settings: readHash(), session: null, ws: null, playing: false, waiting: false,
    data: null, frame: null, history: [], traceIndex: 0, trace: null, drawPending: false,
  };
  // Tests read the last frame and data from here.
  window.nnzPlayground = state;

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
    history.replaceState(null, "", "#" + params.toString());
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
    send({ type: "settings", settings: state.settings });
  }

  function receive(m) {
    if (m.type === "hello") {
      state.session = m.session;
      document.body.dataset.session = m.session;
      sendSettings();
    } else if (m.type === "data") {
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
    } else if (m.type === "trace") {
      state.trace = m;
      showTrace();
    } else if (m.type === "error") {
      state.waiting = false;
      showError(m.message);
      if (state.playing) { state.playing = false; showPlay(); }
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
    legend.append(`  \u00b7  ${state.data.train.length} training, ${state.data.test.length} test points`);
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
    $("show_test").addEventListener("change", scheduleDraw);
    $("discretize").addEventListener("change", scheduleDraw);
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
    window.addEventListener("hashchange", () => { state.settings = readHash(); sendSettings(); });
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
    node.append(canvas);
    const value = document.createElement("span");
    value.className = "value";
    node.append(value);
    col.append(node);
    return node;
  }

  // -- drawing ----------------------------------------------------------------
  function decode(b64) {
    const text = atob(b64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }

  function colour(v) {
    // v in [-1, 1]: orange through near-white to blue, as in TensorFlow Playground.
    const t = Math.max(-1, Math.min(1, v));
    const mid = [232, 234, 235], end = t < 0 ? [245, 147, 34] : [8, 119, 189];
    const a = Math.abs(t);
    return [0, 1, 2].map((k) => Math.round(mid[k] + (end[k] - mid[k]) * a));
  }

  function drawMap(canvas, values, toSigned = (b) => b / 127.5 - 1) {
    const n = Math.round(Math.sqrt(values.length));
    canvas.width = n;
    canvas.height = n;
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(n, n);
    for (let i = 0; i < values.length; i++) {
      const [r, g, b] = colour(toSigned(values[i]));
      image.data.set([r, g, b, 255], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
  }

  function scheduleDraw() {
    if (state.drawPending) return;
    state.drawPending = true;
    requestAnimationFrame(() => { state.drawPending = false; draw(); });
  }

  function draw() {
    const f = state.frame;
    if (!f || !state.data) return;
    $("epoch").textContent = String(f.epoch);
    $("train-loss").textContent = f.train_loss === null ? "NaN" : f.train_loss.toFixed(3);
    $("test-loss").textContent = f.test_loss === null ? "\u2013" : f.test_loss.toFixed(3);
    f.neurons.forEach((layer, l) => layer.forEach((map, j) => {
      const canvas = document.querySelector(`[data-testid="neuron-${l}-${j}"]`);
      if (canvas) drawMap(canvas, decode(map));
    }));
    const output = outputValues(f);
    const small = document.querySelector('[data-testid="neuron-out"]');
    if (small) drawMap(small, output, (v) => v);
    drawOutput(output);
    drawChart();
    drawEdges(f.weights);
    showTrace();
  }

  function outputValues(f) {
    const bytes = decode(f.output);
    const values = new Float32Array(bytes.buffer);
    const classify = state.settings.problem === "classification";
    const discrete = $("discretize").checked;
    return Array.from(values, (p) => {
      let v = classify ? 2 * p - 1 : p;
      if (discrete) v = v >= 0 ? 1 : -1;
      return v;
    });
  }

  function drawOutput(values) {
    const canvas = $("output");
    const small = document.createElement("canvas");
    drawMap(small, values, (v) => v);
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
    const e = state.data.extent;
    const px = (x) => ((x + e) / (2 * e)) * canvas.width;
    const py = (y) => ((e - y) / (2 * e)) * canvas.height;
    const classify = state.settings.problem === "classification";
    const sets = [[state.data.train, "#fff"]];
    if ($("show_test").checked) sets.push([state.data.test, "#000"]);
    for (const [points, stroke] of sets) {
      for (const [x1, x2, y] of points) {
        const [r, g, b] = colour(classify ? 2 * y - 1 : y);
        ctx.beginPath();
        ctx.arc(px(x1), py(x2), 3, 0, 2 * Math.PI);
        ctx.fillStyle = `rgb(${r},${g},${b})`;
        ctx.fill();
        ctx.strokeStyle = stroke;
        ctx.lineWidth = 1;
        ctx.stroke();
      }
    }
    if (state.trace) {
      const [x1, x2] = state.trace.point;
      ctx.beginPath();
      ctx.arc(px(x1), py(x2), 7, 0, 2 * Math.PI);
      ctx.strokeStyle = "#d00";
      ctx.lineWidth = 2;
      ctx.stroke();
    }
  }

  function drawChart() {
    const canvas = $("chart");
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const h = state.history.filter((r) => r[1] !== null);
    if (h.length < 2) return;
    const all = h.flatMap((r) => [r[1], r[2]]).filter((v) => v !== null);
    const top = Math.max(...all) || 1;
    const x = (i) => (i / (h.length - 1)) * (canvas.width - 4) + 2;
    const y = (v) => canvas.height - 2 - (v / top) * (canvas.height - 4);
    for (const [k, stroke] of [[1, "#999"], [2, "#000"]]) {
      ctx.beginPath();
      h.forEach((r, i) => (i ? ctx.lineTo(x(i), y(r[k] ?? 0)) : ctx.moveTo(x(i), y(r[k] ?? 0))));
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
  }

  // Edges from every node of a column to every node of the next, one SVG line each.
  function drawEdges(weights) {
    const svg = $("edges");
    const net = $("net").getBoundingClientRect();
    const centre = (node, side) => {
      const r = node.querySelector("canvas").getBoundingClientRect();
      return [side > 0 ? r.right - net.left : r.left - net.left, r.top + r.height / 2 - net.top];
    };
    const cols = [...$("net").querySelectorAll(".col")];
    const sources = [[...cols[0].querySelectorAll(".node")]
      .filter((n) => Number(n.dataset.inputIndex) >= 0)
      .sort((a, b) => a.dataset.inputIndex - b.dataset.inputIndex)];
    for (const col of cols.slice(1)) sources.push([...col.querySelectorAll(".node")]);
    const lines = [];
    weights.forEach((w, c) => {
      const from = sources[c], to = sources[c + 1];
      if (!from || !to) return;
      w.kernel.forEach((row, i) => row.forEach((value, j) => {
        if (!from[i] || !to[j]) return;
        const [x1, y1] = centre(from[i], 1);
        const [x2, y2] = centre(to[j], -1);
        lines.push({ x1, y1, x2, y2, value, label: `weight ${c}:${i}\u2192${j} = ${value}` });
      }));
    });
    svg.replaceChildren();
    const ns = "http://www.w3.org/2000/svg";
    for (const l of lines) {
      const line = document.createElementNS(ns, "line");
      for (const k of ["x1", "y1", "x2", "y2"]) line.setAttribute(k, l[k].toFixed(1));
      const [r, g, b] = colour(l.value > 0 ? 1 : -1);
      line.setAttribute("stroke", `rgb(${r},${g},${b})`);
      line.setAttribute("stroke-width", Math.min(0.5 + Math.abs(l.value) * 2, 8).toFixed(2));
      line.setAttribute("stroke-opacity", "0.7");
      const title = document.createElementNS(ns, "title");
      title.textContent = l.label;
      line.append(title);
      line.addEventListener("mouseenter", () => { $("hover").textContent = l.label; });
      svg.append(line);
    }
  }

  // -- the step view ------------------------------------------------------------
  function showTrace() {
    const out = $("trace-out");
    for (const v of document.querySelectorAll(".node .value")) v.textContent = "";
    if (!state.trace) { out.replaceChildren(); return; }
    const t = state.trace;
    const fmt = (v) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3)
      ? v.toExponential(2) : v.toFixed(3));
    const head = document.createElement("p");
    head.textContent = `Sample ${t.index} at (${fmt(t.point[0])}, ${fmt(t.point[1])}), ` +
      `label ${fmt(t.label)}, loss ${fmt(t.loss)}. Forward: z, a; backward: dL/da, dL/dz.`;
    const table = document.createElement("table");
    const header = table.insertRow();
    for (const h of ["column", "neuron", "z", "a", "dL/da", "dL/dz"]) {
      const th = document.createElement("th");
      th.textContent = h;
      header.append(th);
    }
    t.layers.forEach((layer, l) => {
      const last = l === t.layers.length - 1;
      layer.a.forEach((a, j) => {
        const row = table.insertRow();
        for (const v of [last ? "out" : `h${l + 1}`, j, fmt(layer.z[j]), fmt(a),
          fmt(layer.grad_a[j]), fmt(layer.grad_z[j])]) row.insertCell().textContent = v;
        const id = last ? "neuron-out" : `neuron-${l}-${j}`;
        const canvas = document.querySelector(`[data-testid="${id}"]`);
        if (canvas) canvas.parentElement.querySelector(".value").textContent =
          `a ${fmt(a)} \u03b4 ${fmt(layer.grad_z[j])}`;
      });
    });
    out.replaceChildren(head, table);
  }

  document.addEventListener("DOMContentLoaded", () => {
    showSettings();
    wireControls();
    connect();
  });
})();
