// The room's pages: the server's snapshot of the drill (GET /events, server-sent events) shown with textContent
// only, so that scenario text stays text; the controller's keys and the players' reports POSTed as JSON. Every word
// comes from the server, in the language in force.
"use strict";

const page = document.body.dataset.page;
const token = document.body.dataset.token;
let state = null;

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function fill(id, items, make) {
  const list = document.getElementById(id);
  if (!list) return;
  list.replaceChildren(...items.map(make));
  if (!items.length && list.dataset.none) list.append(el("li", "none", list.dataset.none));
}

function text(id, value) {
  const node = document.getElementById(id);
  if (node) node.textContent = value;
}

async function post(path, body) {
  const reply = await fetch(path, {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify(Object.assign({token: token}, body)),
  });
  const answer = await reply.json();
  if (answer.state) show(answer.state);
  if (!reply.ok) throw new Error(answer.error || String(reply.status));
  return answer.answer;
}

function notice(message) {
  const box = document.getElementById("notice") || document.getElementById("filed");
  if (box) {
    box.textContent = message;
    box.classList.add("shown");
  }
}

// --- every page ------------------------------------------------------------------------------

function show(next) {
  if (state && next.version < state.version) return; // an older snapshot, overtaken by a reply
  const before = state;
  state = next;
  text("clock", next.clock);
  text("state", next.state);
  text("speed", next.speed);
  text("next", next.next);
  document.body.classList.toggle("running", !next.paused);
  fill("injects", next.injects, (row) => {
    const item = el("li", "inject");
    item.append(el("span", "when", row.time), el("span", "what", `${row.number} → ${row.to}: ${row.what}`),
                el("span", "action", row.action));
    return item;
  });
  fill("reported", next.reported, (row) => {
    const item = el("li", row.missed ? "report missed" : "report");
    item.append(el("span", "when", row.time), el("span", "what", `${row.incident}: ${row.title}`),
                el("span", "action", [row.who, row.level, row.verdict].filter(Boolean).join(" · ")));
    return item;
  });
  if (page === "wall") wall(next);
  if (page === "control") control(before, next);
  if (page === "report") form(next);
}

function connect() {
  const link = document.getElementById("link");
  const source = new EventSource("/events");
  source.addEventListener("state", (event) => {
    link.textContent = "";
    document.body.classList.remove("lost");
    show(JSON.parse(event.data));
  });
  source.onerror = () => {
    link.textContent = link.dataset.lost;
    document.body.classList.add("lost");
  };
}

// --- the wall screen -----------------------------------------------------------------------------

function wall(next) {
  fill("countdowns", next.countdowns, (c) => {
    const item = el("li", `countdown ${c.state}`);
    const name = c.change === null ? c.title : `${c.title} (${c.change})`;
    item.append(el("span", "incident", c.incident), el("span", "rule", name), el("span", "left", c.left),
                el("span", "likely", c.likely), el("span", "state", c.state_text));
    return item;
  });
}

// --- the controller --------------------------------------------------------------------------------

let cursor = 0;     // the selected row, as the console's table cursor
let picking = null; // {row, at, index} while the level picker is open
let queue = Promise.resolve();

function selected() {
  return state && state.tasks.length ? state.tasks[Math.min(cursor, state.tasks.length - 1)] : null;
}

function control(before, next) {
  const old = before ? before.tasks.map((t) => t.key) : [];
  const keys = next.tasks.map((t) => t.key);
  if (old.join("\n") !== keys.join("\n")) {
    // the console clears its table and puts the cursor back on the row it was on, if that row is still there
    const was = before && before.tasks.length ? before.tasks[Math.min(cursor, before.tasks.length - 1)].key : null;
    cursor = keys.indexOf(was) >= 0 ? keys.indexOf(was) : 0;
  }
  drawTasks();
  const body = document.querySelector("#countdowns tbody");
  body.replaceChildren(...next.countdowns.map((c) => {
    const row = el("tr", c.state);
    const name = c.change === null ? c.rule : `${c.rule} (${c.change})`;
    const likely = c.likely && c.interval ? `${c.likely} (${c.interval})` : c.likely;
    for (const cell of [c.incident, name, c.due, c.left, c.state_text, [likely, c.breaking].filter(Boolean)
      .join(", ")]) row.append(el("td", "", cell));
    return row;
  }));
}

function drawTasks() {
  const body = document.querySelector("#tasks tbody");
  body.replaceChildren(...state.tasks.map((t, i) => {
    const row = el("tr", i === cursor ? "selected" : "");
    row.dataset.key = t.key;
    const step = `${t.who}: ${t.title}`;
    for (const cell of [t.incident, t.change, t.milestone, step, t.recorded, t.level]) {
      row.append(el("td", cell === step ? "step" : "", cell));
    }
    row.cells[3].title = step;
    row.append(el("td", t.missed ? "missed" : (t.verdict ? "met" : ""), t.verdict));
    row.addEventListener("click", () => { cursor = i; drawTasks(); });
    return row;
  }));
  const chosen = body.children[cursor];
  if (chosen) chosen.scrollIntoView({block: "nearest"});
  const task = selected();
  const carries = document.getElementById("carries");
  carries.textContent = !task ? "" : (task.carries ? carries.dataset.must.replace("{milestone}", task.milestone)
    .replace("{carries}", task.carries) : carries.dataset.none.replace("{milestone}", task.milestone));
}

function drawPicker() {
  [...document.querySelectorAll("#levels li")].forEach((item, i) => {
    item.classList.toggle("selected", picking !== null && i === picking.index);
  });
}

const NAMES = {" ": "space", "+": "plus", "=": "plus", "-": "minus", "ArrowDown": "down", "ArrowUp": "up",
               "Enter": "enter", "Escape": "escape", "n": "n", "r": "r", "l": "l", "u": "u"};

async function press(name) {
  const dialog = document.getElementById("picker");
  if (picking !== null) {
    const levels = [...document.querySelectorAll("#levels li")];
    if (name === "down") picking.index = Math.min(picking.index + 1, levels.length - 1);
    if (name === "up") picking.index = Math.max(picking.index - 1, 0);
    if (name === "enter" || name === "escape") {
      const chosen = picking;
      picking = null;
      dialog.close();
      if (name === "enter") {
        await post("/api/key", {key: "r", row: chosen.row, level: levels[chosen.index].dataset.level, at: chosen.at});
      }
    }
    drawPicker();
    return;
  }
  const task = selected();
  if (name === "down" || name === "up") {
    if (state.tasks.length) cursor = Math.max(0, Math.min(cursor + (name === "down" ? 1 : -1), state.tasks.length - 1));
    drawTasks();
  } else if (["space", "n", "plus", "minus"].includes(name)) {
    await post("/api/key", {key: name});
  } else if ((name === "enter" || name === "r" || name === "u") && task) {
    await post("/api/key", {key: name === "u" ? "u" : "r", row: task.key});
  } else if (name === "l" && task) {
    const at = await post("/api/key", {key: "l", row: task.key});
    const levels = [...document.querySelectorAll("#levels li")].map((item) => item.dataset.level);
    picking = {row: task.key, at: at, index: Math.max(0, levels.indexOf(task.level || task.msel_level))};
    dialog.show();
    drawPicker();
  }
}

function keys() {
  document.addEventListener("keydown", (event) => {
    const name = NAMES[event.key];
    if (!name || event.ctrlKey || event.altKey || event.metaKey) return;
    event.preventDefault();
    // one key after the other, each on the state the one before left, as the console takes them
    queue = queue.then(() => press(name)).catch((error) => notice(error.message));
  });
  document.getElementById("levels").addEventListener("click", (event) => {
    const item = event.target.closest("li");
    if (picking === null || !item) return;
    picking.index = [...item.parentNode.children].indexOf(item);
    queue = queue.then(() => press("enter")).catch((error) => notice(error.message));
  });
}

// the tests wait on this: every key pressed so far has been taken
window.drillIdle = () => queue.then(() => state && state.version);

// --- the players' report form ---------------------------------------------------------------------

function form(next) {
  const select = document.getElementById("row");
  const was = select.value;
  const due = next.tasks.filter((t) => t.carries).map((t) => [t.key,
    `${t.incident}${t.change ? ` (${t.change})` : ""}: ${t.title} (${t.who})` + (t.recorded ? ` ✓ ${t.recorded}` : "")]);
  const options = JSON.stringify(due);
  if (select.dataset.options !== options) { // rebuilt only when it changes: a list open in the player's hand stays open
    select.dataset.options = options;
    select.replaceChildren(...due.map(([key, label]) => {
      const option = el("option", "", label);
      option.value = key;
      return option;
    }));
    if (!due.length) select.append(el("option", "", select.dataset.none));
    if (due.some(([key]) => key === was)) select.value = was;
  }
  required();
}

function required() {
  const task = state.tasks.find((t) => t.key === document.getElementById("row").value);
  text("must", task ? task.carries : "");
  for (const box of document.querySelectorAll("input[name=elements]")) {
    box.closest("label").querySelector(".req").hidden = !(task && task.required.includes(box.value));
  }
}

function reports() {
  const formNode = document.getElementById("report-form");
  document.getElementById("row").addEventListener("change", required);
  formNode.addEventListener("submit", async (event) => {
    event.preventDefault();
    const row = document.getElementById("row").value;
    const task = state.tasks.find((t) => t.key === row);
    if (!task) return;
    const elements = [...document.querySelectorAll("input[name=elements]:checked")].map((box) => box.value);
    const button = document.getElementById("file");
    button.disabled = true;
    try {
      const done = await post("/api/report", {row: row, elements: elements});
      const filed = document.getElementById("filed");
      notice(filed.dataset.done.replace("{time}", state.tasks.find((t) => t.key === row).recorded)
        .replace("{report}", `${task.incident}: ${task.title}`));
      filed.dataset.time = done.time;
      for (const box of document.querySelectorAll("input[name=elements]")) box.checked = false;
    } catch (error) {
      notice(error.message);
    } finally {
      button.disabled = false;
    }
  });
}

connect();
if (page === "control") keys();
if (page === "report") reports();
