// Step by step's Play (pages/step_by_step.py): while playing, it asks for the replay's next
// step (a trigger value: the replay is a fragment, so only it reruns), one step after each
// step drawn, so steps never pile up behind a slow server. The browser's own timer, not a
// fragment's `run_every`: a class's listener (ui/class_listener.js) halts it before it asks
// for the run that may switch the page, so no step can follow that run and take the tab back,
// and so does a click on another page's link (ui/router.py): a step asked after it reached the
// server during the new page's run, where the fragment no longer exists, and left that page
// without its end (Across frameworks' progress, then the Quiz without its title, in CI).
// Halted, it waits for the page's next whole run (a new `epoch`) before it plays on.

const HALT = "avgpool:halt-timers"; // a class's change (ui/class_listener.js) or a click to another page (ui/router.py)

function ticker(parent) {
  if (!parent.replayTicker) {
    const state = { timeout: null, epoch: null, halted: null };
    state.halt = () => {
      clearTimeout(state.timeout);
      state.halted = state.epoch;
    };
    window.addEventListener(HALT, state.halt);
    parent.replayTicker = state;
  }
  return parent.replayTicker;
}

export default function ({ data, parentElement, setTriggerValue }) {
  const state = ticker(parentElement);
  clearTimeout(state.timeout);
  state.epoch = data.epoch;
  if (state.halted !== null && state.halted !== data.epoch) state.halted = null;
  if (data.playing && state.halted === null) {
    state.timeout = setTimeout(() => setTriggerValue("tick", data.step), data.interval_ms);
  }
  return () => {
    clearTimeout(state.timeout);
    window.removeEventListener(HALT, state.halt);
    delete parentElement.replayTicker;
  };
}
