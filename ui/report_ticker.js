// The homework report's refresh (ui/homework.py): the browser's own timer, not a fragment's
// `run_every` (docs/decisions/0002-no-fragment-timers.md). Each draw of the report arms one
// timeout; when it fires it asks for the report fragment's rerun (a trigger value), and that
// run's draw arms the next, so refreshes never pile up behind a slow server. A click on another
// page's link halts it (ui/router.py), so no refresh reaches the server during the new page's run.

const HALT = "avgpool:halt-timers";

export default function ({ data, parentElement, setTriggerValue }) {
  clearTimeout(parentElement.reportTimeout);
  const halt = () => clearTimeout(parentElement.reportTimeout);
  window.addEventListener(HALT, halt);
  parentElement.reportTimeout = setTimeout(() => setTriggerValue("tick", data.drawn), data.every_ms);
  return () => {
    halt();
    window.removeEventListener(HALT, halt);
  };
}
