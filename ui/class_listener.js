// A live class's listener (ui/classroom.py): one EventSource per tab on the class's events
// route (classroom/events.py). When it hears a state of the class newer than the one this
// tab drew, it asks for one rerun (a trigger value); nothing runs while nothing changes.
// EventSource reconnects by itself, and the route sends the class's state on every connect,
// so a tab that missed events while disconnected catches up.
//
// A following student's stream also pushes the followed view before each version (`event:
// view`, classroom/followed.py): the Playground's grids, or a question's with its prompt (and
// once revealed, its answer). The grids are redrawn at once in the page's grid component
// (figures/component/grids.js), the prompt written above the page as plain text; the rerun
// that brings the rest of the page (the teacher's setup in the sidebar, the answer form, the verdict) follows
// within `spread` ms, at a random moment, so that a class's reruns do not all reach the
// server at once. That rerun's page shows the prompt itself: the pushed one goes.

function newer(heard, drawn) {
  const [h, d] = [Number(heard), Number(drawn)];
  if (Number.isInteger(h) && Number.isInteger(d)) return h > d; // versions only grow
  return heard !== drawn; // "down", "ended", or back from them
}

function gridsRoot(keys) {
  for (const key of keys) {
    const host = document.querySelector(`.st-key-${key} [data-testid="stBidiComponentIsolated"]`);
    const root = host?.shadowRoot?.querySelector(".grids");
    if (root) return root;
  }
  return null;
}

function drawView(listener, event) {
  const view = JSON.parse(event.data);
  const root = listener.following && gridsRoot(listener.gridsKeys || []);
  if (!root?.redraw || !newer(view.version, listener.drawn)) return;
  const { version, prompt, ...data } = view;
  root.redraw(data);
  showPrompt(listener, prompt || []);
  root.dataset.pushed = String(version); // what the tests and benchmarks read
  listener.viewed = String(version);
}

// The question's lines, as text (never HTML): the first its title.
function showPrompt(listener, lines) {
  const box = listener.prompt;
  box.replaceChildren(...lines.map((line, index) => {
    const paragraph = document.createElement("p");
    paragraph.className = index ? "line" : "title";
    paragraph.textContent = line;
    return paragraph;
  }));
  box.hidden = !lines.length;
}

function hear(listener, heard, setTriggerValue) {
  if (!newer(heard, listener.drawn) || heard === listener.asked) return;
  listener.asked = heard; // once per state heard: the rerun it starts draws it
  const wait = heard === listener.viewed ? Math.random() * listener.spread : 0;
  clearTimeout(listener.timer);
  listener.timer = setTimeout(() => {
    window.dispatchEvent(new CustomEvent("avgpool:halt-timers")); // Step by step's Play halts first
    setTriggerValue("heard", heard);
  }, wait);
}

function open(parent, data, setTriggerValue) {
  const listener = { path: data.path, drawn: null, asked: null, viewed: null };
  listener.prompt = parent.querySelector(".class-pushed") || parent.appendChild(document.createElement("div"));
  Object.assign(listener.prompt, { className: "class-pushed", hidden: true });
  listener.prompt.setAttribute("role", "status");
  listener.source = new EventSource(new URL(data.path, document.baseURI));
  listener.source.onmessage = (event) => hear(listener, event.data, setTriggerValue);
  listener.source.addEventListener("view", (event) => drawView(listener, event));
  parent.classListener = listener;
  return listener;
}

export default function ({ data, parentElement, setTriggerValue }) {
  let listener = parentElement.classListener;
  if (!listener || listener.path !== data.path) {
    listener?.source.close();
    listener = open(parentElement, data, setTriggerValue);
  }
  Object.assign(listener, { drawn: data.drawn, following: data.following, gridsKeys: data.grids_keys, spread: data.spread });
  if (!newer(listener.viewed, data.drawn)) showPrompt(listener, []); // the page drew it: its own prompt is on it
  return () => {
    clearTimeout(listener.timer);
    listener.source.close();
    if (parentElement.classListener === listener) delete parentElement.classListener;
  };
}
