// A live class's listener (ui/classroom.py): one EventSource per tab on the class's events
// route (classroom/events.py). When it hears a state of the class newer than the one this
// tab drew, it asks for one rerun (a trigger value); nothing runs while nothing changes.
// EventSource reconnects by itself, and the route sends the class's state on every connect,
// so a tab that missed events while disconnected catches up.
//
// A following student's stream also pushes the followed view's grids before each version
// (`event: view`, classroom/followed.py): they are redrawn at once in the page's grid
// component (figures/component/grids.js), and the rerun that brings the rest of the page
// (the locked sidebar, the explanation) follows within `spread` ms, at a random moment, so
// that a class's reruns do not all reach the server at once.

function newer(heard, drawn) {
  const [h, d] = [Number(heard), Number(drawn)];
  if (Number.isInteger(h) && Number.isInteger(d)) return h > d; // versions only grow
  return heard !== drawn; // "down", "ended", or back from them
}

function gridsRoot(key) {
  const host = document.querySelector(`.st-key-${key} [data-testid="stBidiComponentIsolated"]`);
  return host?.shadowRoot?.querySelector(".grids") || null;
}

function drawView(listener, event) {
  const view = JSON.parse(event.data);
  const root = listener.following && gridsRoot(listener.gridsKey);
  if (!root?.redraw || !newer(view.version, listener.drawn)) return;
  const { version, ...data } = view;
  root.redraw(data);
  root.dataset.pushed = String(version); // what the tests and benchmarks read
  listener.viewed = String(version);
}

function hear(listener, heard, setTriggerValue) {
  if (!newer(heard, listener.drawn) || heard === listener.asked) return;
  listener.asked = heard; // once per state heard: the rerun it starts draws it
  const wait = heard === listener.viewed ? Math.random() * listener.spread : 0;
  clearTimeout(listener.timer);
  listener.timer = setTimeout(() => {
    window.dispatchEvent(new CustomEvent("avgpool:class-change")); // Step by step's Play halts first
    setTriggerValue("heard", heard);
  }, wait);
}

function open(parent, data, setTriggerValue) {
  const listener = { path: data.path, drawn: null, asked: null, viewed: null };
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
  Object.assign(listener, { drawn: data.drawn, following: data.following, gridsKey: data.grids_key, spread: data.spread });
  return () => {
    clearTimeout(listener.timer);
    listener.source.close();
    if (parentElement.classListener === listener) delete parentElement.classListener;
  };
}
