// A live class's listener (ui/classroom.py): one EventSource per tab on the class's events
// route (classroom/events.py). When it hears a state of the class newer than the one this
// tab drew, it asks for one rerun (a trigger value); nothing runs while nothing changes.
// EventSource reconnects by itself, and the route sends the class's state on every connect,
// so a tab that missed events while disconnected catches up.

function newer(heard, drawn) {
  const [h, d] = [Number(heard), Number(drawn)];
  if (Number.isInteger(h) && Number.isInteger(d)) return h > d; // versions only grow
  return heard !== drawn; // "down", "ended", or back from them
}

function open(parent, path, setTriggerValue) {
  const listener = { path, drawn: null, asked: null };
  listener.source = new EventSource(new URL(path, document.baseURI));
  listener.source.onmessage = (event) => {
    const heard = event.data;
    if (newer(heard, listener.drawn) && heard !== listener.asked) {
      listener.asked = heard; // once per state heard: the rerun it starts draws it
      window.dispatchEvent(new CustomEvent("avgpool:class-change")); // Step by step's Play halts first
      setTriggerValue("heard", heard);
    }
  };
  parent.classListener = listener;
  return listener;
}

export default function ({ data, parentElement, setTriggerValue }) {
  let listener = parentElement.classListener;
  if (!listener || listener.path !== data.path) {
    listener?.source.close();
    listener = open(parentElement, data.path, setTriggerValue);
  }
  listener.drawn = data.drawn;
  return () => {
    listener.source.close();
    if (parentElement.classListener === listener) delete parentElement.classListener;
  };
}
