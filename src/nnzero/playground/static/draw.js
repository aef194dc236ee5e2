// nnzero playground page: drawing the frames (heat maps, points, loss chart, edges)
// and the step view. app.js owns the state and the messages; it calls these.
"use strict";

// Called once by app.js with its state object and its element look-up.
window.nnzDraw = function (state, $) {
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
    drawOutput(hovered(f) || output);
    drawChart();
    drawEdges(f.weights);
    showTrace();
  }

  // The map of the neuron or feature under the pointer, shown large as in TF Playground.
  function hovered(f) {
    const id = state.hover;
    if (!id) return null;
    let map = null;
    const hidden = /^neuron-(\d+)-(\d+)$/.exec(id);
    if (hidden) {
      const [l, j] = [Number(hidden[1]), Number(hidden[2])];
      map = (f.neurons[l] || [])[j];
      const bias = f.weights[l] && f.weights[l].bias[j];
      if (bias !== undefined) $("hover").textContent = `neuron ${l + 1}:${j}, bias = ${bias}`;
    }
    const feature = /^feature-(\w+)$/.exec(id);
    if (feature) map = state.data.features[state.settings.features.indexOf(feature[1])];
    return map ? Array.from(decode(map), (b) => b / 127.5 - 1) : null;
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
        let label = `weight ${c}:${i}\u2192${j} = ${value}`;
        // With the step view open, each edge also says its share of the sample's gradient.
        const t = state.trace && state.trace.layers[c];
        if (t && t.grad_kernel[i]) label += `, dL/dw = ${t.grad_kernel[i][j].toPrecision(3)}`;
        lines.push({ x1, y1, x2, y2, value, label });
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
      `label ${fmt(t.label)}, loss ${fmt(t.loss)}. Forward: z, a; backward: dL/da, dL/dz ` +
      `(computed by ${t.source === "model.trace" ? "the library's model.trace" : "the layers"}).`;
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

  return { decode, drawMap, scheduleDraw, showTrace };
};
