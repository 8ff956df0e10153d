// The heatmap-grid component: draws grid descriptions (figures/grids.py) on <canvas>.
//
// Streamlit calls the default export on mount and again whenever `data` changes; the DOM
// built on the first call is kept and updated in place. One call draws every grid of one
// view side by side. A click, a tap or Enter on a cell lights up its windows at once (the
// component has the window geometry) and sends the cell to Python, which writes the
// explanation. No dependencies, nothing fetched.

// Windows' outlines by palette (the first for one window; the others tell several apart),
// each drawn over a dark halo: the halo stands out on light cells, the colour on dark ones,
// so that an outline keeps a contrast of 3:1 on every colour of its palette's gradients
// (tests/test_display.py). The colour-blind palette's gradients are purple and orange, so its
// outlines are neither.
const WINDOW_COLORS = {
  standard: ["#ff8c00", "#7b2cbf", "#009e73", "#e6007e", "#0072b2", "#8c564b", "#b8a000", "#17becf", "#d62728"],
  colorblind: ["#00e5ff", "#ffd84d", "#ff9ff3", "#66ff66", "#a0c4ff", "#ffffff", "#ffa500", "#80ffd0"],
};
const HALO_COLOR = "#111111";
const CELL_COLOR = "#111111";
const OUTLINE_COLOR = "rgba(30, 30, 30, 0.55)";
const PADDING_FILL = "#e4e4e4";
const PADDING_TEXT = "#6b6b6b";
const OVERHANG_LINE = "#b0b0b0"; // ceil_mode's overhang past the padding: hatched, neither read nor counted
const FOCUS_COLOR = "#1565c0";
const PNG_SCALE = 3;
const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK SC', sans-serif";
const TOUCH_CELL = 24; // CSS px: a cell smaller than this is hard to hit with a finger
const ENLARGED_CELL = 40; // an enlarged grid's cells: a fingertip's width
const OUTLINE_HALO = "#ffffff"; // under an overlay's picture outline, so that it shows on the darkest heat
const MARK_SIDE = 12; // CSS px: a highlight narrower than this is also ringed, to be seen at any grid size

// Every size that differs between a screen and a projector, chosen once per draw: the gap
// between grids, the room a grid's title and colour bar take, the tick font, the largest
// grid, and the label fonts (largest, and the floor under which no label is printed).
const SIZES = {
  page: { gap: 12, chrome: 72, tickFont: 11, maxSide: 520, labelMax: 16, labelMin: 10 },
  present: { gap: 20, chrome: 96, tickFont: 16, maxSide: 900, labelMax: 30, labelMin: 16 },
};
// A slide's sizes: a title, ticks and numbers read across a room, a colour bar below.
const SLIDE = { title: 34, titleFont: 18, bar: 44, side: 960, tickFont: 14, labelMax: 28, labelMin: 12 };

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector(".grids");
  if (!root) {
    root = document.createElement("div");
    root.className = "grids";
    parentElement.appendChild(root);
    root.state = { figures: [], focus: {}, send: setTriggerValue };
    const observer = new ResizeObserver(() => requestAnimationFrame(() => render(root)));
    observer.observe(root);
    root.state.observer = observer;
    // A live class's listener (ui/class_listener.js) redraws a following student's grids
    // from the pushed view at once, before the page's own rerun brings the same data.
    root.redraw = (pushed) => update(root, { ...root.state.data, ...pushed });
  }
  root.state.send = setTriggerValue;
  update(root, data);
  return () => root.state.observer.disconnect();
}

function update(root, pushedOrSent) {
  // A pushed view says how many grids per row on a page and on a projector (classroom/followed.py).
  const { columns_present: onProjector, ...data } = pushedOrSent;
  if (data.present && onProjector) data.columns = onProjector;
  root.state.data = data;
  root.state.sizes = data.present ? SIZES.present : SIZES.page;
  root.state.windowColors = WINDOW_COLORS[data.palette] || WINDOW_COLORS.standard;
  root.classList.toggle("present", !!data.present);
  root.state.selection = data.selection || null;
  render(root);
}

// ---------------------------------------------------------------------------------------
// Layout: one <figure> per grid (title, canvas, colour bar), in a CSS grid.

function render(root) {
  const { data, sizes } = root.state;
  const wide = root.clientWidth;
  if (!wide) return;
  const columns = columnsFor(root, wide);
  root.style.setProperty("--columns", columns);
  while (root.state.figures.length > data.grids.length) root.state.figures.pop().element.remove();
  while (root.state.figures.length < data.grids.length) root.state.figures.push(makeFigure(root, root.state.figures.length));
  const layout = { wide, columns, boxWidth: boxWidth(wide, columns, sizes) };
  layout.maxHeight = availableHeight(root, columns);
  drawFigures(root, layout);
  if (Number.isFinite(layout.maxHeight)) refit(root, layout);
  root.dataset.selection = JSON.stringify(root.state.selection);
  root.dataset.drawn = String((Number(root.dataset.drawn) || 0) + 1);
  root.dataset.drawnAt = String(performance.now()); // for benchmarks/bench_browser.py
}

// Phones: at most two grids per row, so x and ∂L/∂x can be seen together (a view whose
// grids need the width, as Grad-CAM over the digit, asks for one: phone_columns). A row of
// grids read together (`grid.printing`, as the frameworks' y and ∂L/∂x) must print its
// numbers on a phone too: where a row of its page prints one grid to a line and not two
// (`rowBox`), the view holds one grid per line.
function columnsFor(root, wide) {
  const { data } = root.state;
  if (wide >= 640) return Math.max(1, data.columns);
  const columns = Math.max(1, Math.min(data.columns, data.phone_columns || 2));
  const rows = data.grids.map((grid) => grid.printing).filter(Boolean);
  return rows.some((row) => rowBox(root, row, wide) === wide) ? 1 : columns;
}

function boxWidth(wide, columns, sizes) {
  return (wide - sizes.gap * (columns - 1)) / columns;
}

// The box a row of grids read together prints its numbers for: the view's box, except on a
// phone, where it is the whole line if any row on its page (`printing.page`) prints one grid
// to a line and not two, and this row prints there; else the box of two to a line. Every view
// holding a grid of the page decides alike from the page's rows alone, so each row prints at
// one font in every view, and the page's grids line up.
function rowBox(root, row, wide) {
  const { data, sizes } = root.state;
  if (wide >= 640) return boxWidth(wide, Math.max(1, data.columns), sizes);
  const shared = boxWidth(wide, Math.max(1, Math.min(data.columns, data.phone_columns || 2)), sizes);
  const prints = (some, box) => rowFont(some, Math.min(some.width, some.short_width), Infinity, sizes, box, Infinity) > 0;
  const wholeLine = (row.page || [row]).some((some) => !prints(some, shared) && prints(some, wide));
  return wholeLine && prints(row, wide) ? wide : shared;
}

function drawFigures(root, { wide, boxWidth, maxHeight }) {
  root.state.data.grids.forEach((grid, index) => {
    const figure = root.state.figures[index];
    // An enlarged grid takes the whole row: the most cells a finger can reach at once.
    figure.element.classList.toggle("enlarged", !!figure.enlarged);
    drawFigure(root, figure, grid, figure.enlarged ? wide : boxWidth, maxHeight);
  });
}

// Where the grids must end on a projector: the screen's bottom, less the room kept below them.
function screenBottom(root) {
  return window.innerHeight - (root.state.data.room_below || 0) - 24;
}

function availableHeight(root, columns) {
  const { data, sizes } = root.state;
  // Presentation mode: every grid fits the screen height (no scrolling to see the last row).
  if (!data.fit_height) return Infinity;
  const rowsOfGrids = Math.ceil(data.grids.length / columns);
  const chrome = rowsOfGrids * sizes.chrome; // titles and colour bars, at most
  const room = (screenBottom(root) - Math.max(pageTop(root), 0) - chrome) / rowsOfGrids;
  // Too little room left below what is above them: readable grids and a scroll beat grids
  // shrunk to stamps (160 px still holds a 5x5 grid's numbers at 16 px).
  return room >= 160 ? room : Infinity;
}

// The grids' top on the page, as if it were scrolled to the top.
function pageTop(root) {
  const scroller = document.querySelector('[data-testid="stMain"]');
  return root.getBoundingClientRect().top + (scroller ? scroller.scrollTop : 0);
}

// Presentation mode, second pass: the titles and colour bars took what they took (less than
// the estimate where numbers print and no colour bar is needed); the grids get what is left.
// Where a colour bar stands in for numbers that just miss their cells, the cells may take
// the room the missing numbers cost (the bar, and the title line an "Enlarge" button pushed
// its title onto: a longer title, as in English, must not lose its numbers for that): if
// their numbers then print (and the bar and the button go), the grids still fit.
function refit(root, layout) {
  settle(root, layout);
  const bars = root.state.figures.filter((figure) => figure.grid.labels && !figure.labelling);
  if (!bars.length || overflow(root) > 4) return;
  const fitted = layout.maxHeight;
  layout.maxHeight = fitted + roomForNumbers(root, bars) / Math.ceil(root.state.data.grids.length / layout.columns);
  drawFigures(root, layout);
  settle(root, layout);
  if (overflow(root) <= 4) return;
  layout.maxHeight = fitted;
  drawFigures(root, layout);
}

// Resize the grids until they end where they must (two passes: titles rewrap as they shrink).
function settle(root, layout) {
  const rowsOfGrids = Math.ceil(root.state.data.grids.length / layout.columns);
  for (let pass = 0; pass < 2; pass++) {
    const over = overflow(root);
    const maxHeight = layout.maxHeight - over / rowsOfGrids;
    if (Math.abs(over) < 4 || maxHeight < 160) break;
    layout.maxHeight = maxHeight;
    drawFigures(root, layout);
  }
}

// The height these figures' colour bars and "Enlarge" buttons cost (measured: the room
// left once they are hidden), which their printed numbers would not.
function roomForNumbers(root, figures) {
  const parts = figures.flatMap((figure) => [".colorbar", ".zoom"].map((part) => figure.element.querySelector(part)));
  const shown = parts.filter((part) => !part.hidden);
  const before = overflow(root);
  shown.forEach((part) => (part.hidden = true));
  const after = overflow(root);
  shown.forEach((part) => (part.hidden = false));
  return Math.max(0, before - after);
}

// How far the grids reach past where they must end (negative: room left).
function overflow(root) {
  return pageTop(root) + root.getBoundingClientRect().height - screenBottom(root);
}

function makeFigure(root, index) {
  const element = document.createElement("figure");
  element.className = "grid";
  element.innerHTML =
    '<figcaption><span class="title"></span><span class="buttons"><button type="button" class="zoom" hidden></button>' +
    '<button type="button" class="png"></button></span></figcaption>' +
    '<div class="plot"><canvas tabindex="0"></canvas><div class="tip" hidden></div></div>' +
    '<div class="colorbar" hidden><div class="bar"></div><div class="ticks"><span></span><span></span><span></span></div></div>' +
    '<div class="live" aria-live="polite"></div>';
  root.appendChild(element);
  const figure = { element, index, canvas: element.querySelector("canvas"), tip: element.querySelector(".tip") };
  const canvas = figure.canvas;
  canvas.addEventListener("pointermove", (event) => hover(root, figure, event));
  canvas.addEventListener("pointerleave", () => (figure.tip.hidden = true));
  canvas.addEventListener("click", (event) => {
    const cell = cellAt(figure, event);
    if (cell && event.pointerType === "touch" && figure.geometry.cell < TOUCH_CELL && !figure.enlarged) {
      enlarge(root, figure, cell); // too small for a finger: the first tap enlarges the grid there
      return;
    }
    if (cell) select(root, figure, cell);
    // The tooltip would cover the cells the explanation is about: hidden until the pointer
    // moves on to another cell.
    figure.tip.hidden = true;
    figure.quietCell = cell && String(cell);
  });
  canvas.addEventListener("keydown", (event) => keyboard(root, figure, event));
  canvas.addEventListener("blur", () => {
    delete root.state.focus[figure.index];
    drawCanvas(root, figure);
  });
  element.querySelector(".png").addEventListener("click", () => savePng(root, figure));
  element.querySelector(".zoom").addEventListener("click", () => (figure.enlarged ? fit(root, figure) : enlarge(root, figure, null)));
  return figure;
}

// One grid's figure, job by job: its words, its geometry, its canvas, its buttons, its
// colour bar, and an enlarged grid scrolled to the tapped cell.
function drawFigure(root, figure, grid, boxWidth, maxHeight) {
  const { sizes } = root.state;
  figure.grid = grid;
  figure.values = decode(grid.values);
  labelFigure(root, figure, grid);
  const fitted = fittedGeometry(grid, sizes, boxWidth, maxHeight);
  const fits = rowLabelFont(root, grid, fitted.cell, maxHeight);
  // Enlarged (small cells, for a finger, or numbers that do not fit): larger cells in a box
  // that scrolls, at its width.
  figure.geometry = figure.enlarged ? { ...fitted, cell: Math.max(fitted.cell, enlargedCell(grid, sizes)) } : fitted;
  figure.labelling = figure.enlarged ? labelFont(grid, figure.geometry.cell, sizes) : fits;
  const { width } = sizeCanvas(root, figure);
  showZoom(root, figure, fitted.cell < TOUCH_CELL || (!!grid.labels && !fits));
  drawCanvas(root, figure);
  drawColorbar(figure, grid, !figure.labelling, Math.min(width, boxWidth) - fitted.left);
  if (figure.enlarged && figure.enlargeAt) scrollToCell(figure, figure.enlargeAt);
}

// A title breaks only between its words (at a space, or before a full-width bracket), never
// inside an identifier or a bracketed group: "AvgPool2d(x)", "（求和）" stay whole on a
// phone. A word too long for any line (over KEEP_WHOLE characters) may still break.
const KEEP_WHOLE = 16;
function setTitle(element, title) {
  element.replaceChildren();
  for (const piece of title.split(/(\s+|(?=（))/u)) {
    if (!piece) continue;
    if (/^\s+$/u.test(piece) || piece.length > KEEP_WHOLE) {
      element.append(document.createTextNode(piece));
      continue;
    }
    const word = document.createElement("span");
    word.className = "word";
    word.textContent = piece;
    element.append(word);
  }
}

// The title, the PNG button's words, and the grid's name for the tests.
function labelFigure(root, figure, grid) {
  const { text } = root.state.data;
  setTitle(figure.element.querySelector(".title"), grid.title);
  const button = figure.element.querySelector(".png");
  button.textContent = text.png;
  button.setAttribute("aria-label", text.save.replace("{title}", grid.title));
  button.title = button.getAttribute("aria-label");
  figure.element.dataset.key = grid.key;
}

// Where the cells go in a box of this size: margins for the ticks, and the cell size. Every
// grid of a view gets the same square: a 2x2 y is as large as a 4x4 x, with larger cells.
function fittedGeometry(grid, sizes, boxWidth, maxHeight) {
  const [rows, cols] = grid.extent;
  const [row0, col0] = grid.origin;
  const longestTick = Math.max(String(row0).length, String(row0 + rows - 1).length);
  const { left, top, cell } = cellBox(rows, cols, longestTick, sizes, boxWidth, maxHeight);
  return { left, top, cell, rows, cols, row0, col0, tickFont: sizes.tickFont };
}

// The margins and the cell size of a grid of rows x cols whose row indices are
// `longestTick` characters long, in a box of this size.
function cellBox(rows, cols, longestTick, sizes, boxWidth, maxHeight) {
  const { tickFont } = sizes;
  const left = Math.ceil(tickFont * 0.62 * longestTick) + 8;
  const top = tickFont + 8;
  const side = Math.min(boxWidth - left - 2, maxHeight - top, sizes.maxSide);
  const cell = Math.max(Math.min(side / Math.max(rows, cols), (boxWidth - left - 2) / cols), 0.5);
  return { left, top, cell };
}

// The canvas sized for its geometry (sharp on any screen), and what it says to a screen reader.
function sizeCanvas(root, figure) {
  const { canvas, grid } = figure;
  const { left, top, cell, rows, cols } = figure.geometry;
  const plot = figure.element.querySelector(".plot");
  plot.classList.toggle("enlarged", !!figure.enlarged);
  plot.style.maxWidth = figure.enlarged ? root.clientWidth + "px" : "";
  const width = Math.ceil(left + cell * cols + 2);
  const height = Math.ceil(top + cell * rows + 2);
  const ratio = window.devicePixelRatio || 1;
  canvas.style.width = width + "px";
  canvas.style.height = height + "px";
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  // Every grid explains its cells: clickable, tappable, and reached with Tab.
  canvas.setAttribute("role", "application");
  canvas.setAttribute("aria-label", grid.description + ". " + root.state.data.text.keys);
  canvas.classList.add("clickable");
  return { width, height };
}

// "Enlarge" where cells are too small for a finger or their numbers do not fit; "Fit" once enlarged.
function showZoom(root, figure, useful) {
  const { text } = root.state.data;
  const zoom = figure.element.querySelector(".zoom");
  zoom.hidden = !(figure.enlarged || useful);
  zoom.textContent = figure.enlarged ? text.fit : text.zoom;
  zoom.setAttribute("aria-pressed", String(!!figure.enlarged));
}

// An enlarged grid's cells: a fingertip's width, and wide enough for its numbers (within reason).
function enlargedCell(grid, sizes) {
  return Math.max(ENLARGED_CELL, Math.min(labelCell(grid, sizes), 3 * ENLARGED_CELL));
}

// Scroll the enlarged grid so that the tapped cell is in the middle of its box.
function scrollToCell(figure, [row, col]) {
  const { left, top, cell, row0, col0 } = figure.geometry;
  const plot = figure.element.querySelector(".plot");
  plot.scrollLeft = left + (col - col0 + 0.5) * cell - plot.clientWidth / 2;
  plot.scrollTop = top + (row - row0 + 0.5) * cell - plot.clientHeight / 2;
  figure.enlargeAt = null;
  requestAnimationFrame(() => plot.scrollIntoView({ block: "nearest", behavior: "instant" }));
}

// A grid whose cells are too small for a finger is enlarged around the tapped cell (its box
// scrolls); the button beside PNG, or a wider screen, fits it again.
function enlarge(root, figure, cell) {
  figure.enlarged = true;
  figure.enlargeAt = cell;
  render(root);
}

function fit(root, figure) {
  figure.enlarged = false;
  render(root);
}

// The labels to print and their font size: the full labels where they fit, else the short
// ones, else none (null) when even those would be smaller than the floor (10 px; 16 px on a
// projector): fewer labels rather than tiny ones.
function labelFont(grid, cell, sizes) {
  for (const labels of [grid.labels, grid.short_labels]) {
    if (!labels) continue;
    const fit = fontFor(cell, longestLabel(labels), sizes);
    if (fit >= sizes.labelMin) return { labels, font: Math.floor(fit) };
  }
  return null;
}

// The same choice for a grid of a row read together (`grid.printing`, decided once for the
// row by figures/grids.py printed_alike): made as if its cells were the row's narrowest and
// its labels the row's longest, so that every grid of the row prints at one font, or none
// prints. A grid on its own (no `printing`) chooses for itself.
// On a phone the row's box is its own (`rowBox`), not necessarily the view's.
function rowLabelFont(root, grid, cell, maxHeight) {
  const { sizes } = root.state;
  const row = grid.printing;
  if (!row) return labelFont(grid, cell, sizes);
  const box = rowBox(root, row, root.clientWidth);
  const kinds = [[grid.labels, row.width], [grid.short_labels || grid.labels, row.short_width]];
  for (const [labels, width] of kinds) {
    const font = rowFont(row, width, cell, sizes, box, maxHeight);
    if (labels && font) return { labels, font };
  }
  return null;
}

// The font at which a row's labels `width` characters long print, in the row's narrowest
// cells (or this grid's, if narrower); 0 when that is under the floor.
function rowFont(row, width, cell, sizes, boxWidth, maxHeight) {
  const narrowest = Math.min(cell, cellBox(row.span, row.span, row.ticks, sizes, boxWidth, maxHeight).cell);
  const fit = fontFor(narrowest, width, sizes);
  return fit >= sizes.labelMin ? Math.floor(fit) : 0;
}

// The largest font at which labels `width` characters long fit a cell (and look like numbers in it).
function fontFor(cell, width, sizes) {
  return Math.min((cell * 0.86) / (0.6 * Math.max(width, 2)), cell * 0.5, sizes.labelMax);
}

// The smallest cell whose labels (the shorter of the two kinds) print at the floor font.
function labelCell(grid, sizes) {
  const labels = [grid.labels, grid.short_labels].filter(Boolean);
  if (!labels.length) return 0;
  const longest = Math.min(...labels.map(longestLabel));
  return Math.ceil(Math.max((sizes.labelMin * 0.6 * Math.max(longest, 2)) / 0.86, sizes.labelMin * 2));
}

function longestLabel(labels) {
  return labels.reduce((length, label) => Math.max(length, label.length), 1);
}

function drawColorbar(figure, grid, show, width) {
  const bar = figure.element.querySelector(".colorbar");
  bar.hidden = !show;
  if (!show) return;
  bar.style.width = Math.max(width, 120) + "px";
  bar.style.marginLeft = figure.geometry.left + "px";
  const stops = grid.colors.map(([position, color]) => `${color} ${position * 100}%`).join(", ");
  bar.querySelector(".bar").style.background = `linear-gradient(to right, ${stops})`;
  const [low, middle, high] = bar.querySelectorAll(".ticks span");
  [low.textContent, middle.textContent, high.textContent] = grid.ticks; // written by scenario/numbers.py
}

// ---------------------------------------------------------------------------------------
// Drawing one grid: cells, padding ring, labels, ticks, outlines and highlights. Each layer
// draws on a surface: a 2D context in CSS pixels, the geometry (where the cells go) and the
// labelling (which labels, at what font). The page's canvas and a slide's PNG are two
// surfaces; they differ only in what their callers do around drawGrid.

// The grid on its canvas on the page, with the keyboard's focus box; then what the browser
// tests read from it.
function drawCanvas(root, figure) {
  const { canvas } = figure;
  const context = canvas.getContext("2d");
  const ratio = window.devicePixelRatio || 1;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, canvas.width, canvas.height);
  const drawn = drawGrid(root, figure, { context, geometry: figure.geometry, labelling: figure.labelling });
  drawFocus(context, figure.geometry, root.state.focus[figure.index]);
  recordDrawing(figure, drawn);
}

// Every layer of one grid; returns what was drawn: the labels printed, the highlights and
// the overhanging kernels.
function drawGrid(root, figure, surface) {
  const { context, geometry } = surface;
  const printed = drawCells(surface, figure);
  drawTicks(context, geometry);
  const highlights = highlightsFor(root, figure);
  context.lineJoin = "miter";
  for (const rectangle of figure.grid.outlines) strokeRectangle(context, geometry, rectangle, OUTLINE_COLOR, 1.2, 0);
  const outlined = figure.grid.underlay ? drawOutline(surface, figure.grid.underlay) : 0; // over the blocks, under a highlight
  const kernels = [];
  const dashed = (kernel, color, width) => strokeKernel(surface, figure.grid, kernel, color, width) && kernels.push([...kernel, color]);
  for (const kernel of figure.grid.kernels) dashed(kernel, OUTLINE_COLOR, 1.2);
  const marks = [];
  for (const { rectangle, color, width, inset, kernel } of highlights) {
    if (color !== CELL_COLOR) strokeRectangle(context, geometry, rectangle, HALO_COLOR, width + 3, inset, width);
    strokeRectangle(context, geometry, rectangle, color, width, inset);
    if (kernel) dashed(kernel, color, width);
    const radius = ringSmall(context, geometry, rectangle, color);
    if (radius) marks.push([...rectangle, radius]);
  }
  return { printed, highlights, kernels, marks, outlined };
}

// A highlight a few pixels wide (a clicked cell of a 64x64 grid) is lost among the colours
// around it: ring it, dark on a white halo, a few cells wide. Returns the ring's radius (CSS
// px), or 0 when the highlight is wide enough to be seen alone.
function ringSmall(context, geometry, [rowStart, rowStop, colStart, colStop], color) {
  const { left, top, cell, row0, col0 } = geometry;
  const width = (colStop - colStart) * cell, height = (rowStop - rowStart) * cell;
  if (Math.min(width, height) >= MARK_SIDE) return 0;
  const radius = Math.max(width, height) / 2 + 6;
  context.beginPath();
  context.arc(left + (colStart - col0) * cell + width / 2, top + (rowStart - row0) * cell + height / 2, radius, 0, 2 * Math.PI);
  context.lineWidth = 5;
  context.strokeStyle = "#ffffff";
  context.stroke();
  context.lineWidth = 2.5;
  context.strokeStyle = color;
  context.stroke();
  return radius;
}

// Each cell in its colour with its label; the padding ring holds zeros (torch pads average
// pooling with zeros, max pooling with −∞: grid.padding_label); the ceil_mode overhang
// beyond it is hatched. Returns the labels printed.
function drawCells({ context, geometry, labelling }, figure) {
  const { grid } = figure;
  const { left, top, cell, rows, cols, row0, col0 } = geometry;
  const font = labelling && labelling.font;
  const style = {
    labelling: font && labelling,
    lookup: colorLookup(grid.colors),
    fonts: font && { label: `${font}px ${FONT_FAMILY}`, padding: paddingFont(context, grid.padding_label, font, cell) },
  };
  const printed = [];
  context.textAlign = "center";
  context.textBaseline = "middle";
  if (font) context.font = style.fonts.label;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [row, col] = [r + row0, c + col0];
      const box = { x: left + c * cell, y: top + r * cell, cell, gap: cell >= 8 ? 1 : 0 };
      if (!inside(grid, [row, col])) drawOutsideCell(context, box, grid, [row, col], style.fonts);
      else {
        const label = drawValueCell(context, box, figure, row * grid.cols + col, style);
        if (label !== undefined) printed.push(label);
      }
    }
  }
  return printed;
}

// A cell outside the input: the padding with its label, or the overhang past it, hatched.
function drawOutsideCell(context, box, grid, cell, fonts) {
  if (!inPadding(grid, cell)) hatchCell(context, box);
  else if (!fonts) fillCell(context, box, PADDING_FILL, false, PADDING_TEXT);
  else {
    context.font = fonts.padding;
    fillCell(context, box, PADDING_FILL, grid.padding_label, PADDING_TEXT);
    context.font = fonts.label;
  }
}

// A cell of the input in its colour with its label; returns the label printed (undefined
// when none is).
function drawValueCell(context, box, { grid, values }, index, { labelling, lookup }) {
  const value = values[index];
  const label = labelling && labelling.labels[index];
  // No number: blank (not computed yet, or depends on a typed cell that is not a
  // number), or that typed cell itself, whose label ("?") is printed in red.
  if (Number.isNaN(value)) {
    if (!label) return undefined;
    fillCell(context, box, "#ffffff", label, "#b00020");
    return label;
  }
  const level = colorIndex(grid, value);
  fillCell(context, box, lookup.colors[level], label, lookup.dark[level] ? "#ffffff" : "#111111");
  return labelling ? label : undefined;
}

// An overlay's picture (Grad-CAM's digit) as its outline over the heat: a thin dark line
// on a white halo, so that the heat keeps its colour-bar colour in every cell and the line
// shows on the lightest and the darkest heat alike. Returns how many segments were drawn.
function drawOutline({ context, geometry }, { outline, color }) {
  const { left, top, cell, row0, col0 } = geometry;
  const width = Math.min(Math.max(cell / 20, 1.5), 3.5); // thin beside a cell, at any size
  context.save();
  context.lineCap = "round";
  context.lineJoin = "round";
  context.beginPath();
  for (const [r0, c0, r1, c1] of outline) {
    context.moveTo(left + (c0 - col0) * cell, top + (r0 - row0) * cell);
    context.lineTo(left + (c1 - col0) * cell, top + (r1 - row0) * cell);
  }
  for (const [stroke, lineWidth] of [[OUTLINE_HALO, width + 3], [color, width]]) {
    context.strokeStyle = stroke;
    context.lineWidth = lineWidth;
    context.stroke();
  }
  context.restore();
  return outline.length;
}

function inPadding(grid, [row, col]) {
  const [padRows, padCols] = grid.padding;
  return row >= -padRows && row < grid.rows + padRows && col >= -padCols && col < grid.cols + padCols;
}

// A value's place on the colour scale, 0-255 (the middle when every value is the same).
function colorIndex(grid, value) {
  const span = grid.zmax - grid.zmin;
  const level = span > 0 ? Math.round(((value - grid.zmin) / span) * 255) : 128;
  return Math.max(0, Math.min(255, level));
}

// One cell: its fill, and its text in the middle (none when `text` is false).
function fillCell(context, { x, y, cell, gap }, fill, text, textColor) {
  context.fillStyle = fill;
  context.fillRect(x + gap, y + gap, cell - gap, cell - gap);
  if (!text) return;
  context.fillStyle = textColor;
  context.fillText(text, x + cell / 2, y + cell / 2);
}

// The padding's label ("0", or max pooling's "−∞") in the labels' font, smaller where it would crowd the cell.
function paddingFont(context, label, font, cell) {
  const width = context.measureText(label).width;
  const size = width > cell * 0.65 ? Math.max(6, Math.floor((font * cell * 0.65) / width)) : font;
  return `${size}px ${FONT_FAMILY}`;
}

// A cell past the padding that only ceil_mode's kernel reaches: two thin diagonals.
function hatchCell(context, { x, y, cell, gap }) {
  context.strokeStyle = OVERHANG_LINE;
  context.lineWidth = 1;
  context.beginPath();
  context.moveTo(x + gap, y + cell / 2);
  context.lineTo(x + cell / 2, y + gap);
  context.moveTo(x + gap, y + cell);
  context.lineTo(x + cell, y + gap);
  context.stroke();
}

// A window's whole kernel, dashed, where it reaches past the padding (ceil_mode's overhang);
// nothing on a grid that stops before it (∂L/∂x ends at the input's edge).
function strokeKernel({ context, geometry }, grid, kernel, color, width) {
  const pastRows = Math.min(kernel[1], geometry.row0 + geometry.rows) > grid.rows + grid.padding[0];
  const pastCols = Math.min(kernel[3], geometry.col0 + geometry.cols) > grid.cols + grid.padding[1];
  if (!pastRows && !pastCols) return false;
  context.setLineDash([5, 4]);
  strokeRectangle(context, geometry, kernel, color, Math.min(width, 2), 0);
  context.setLineDash([]);
  return true;
}

// The keyboard's current cell, as a dashed box (on the page only, never in a PNG).
function drawFocus(context, geometry, focus) {
  if (!focus) return;
  context.setLineDash([4, 3]);
  strokeRectangle(context, geometry, [focus[0], focus[0] + 1, focus[1], focus[1] + 1], FOCUS_COLOR, 2.5, 0);
  context.setLineDash([]);
}

// What the browser tests read from a canvas (tests/test_browser_grids.py, harness/browser.py),
// written in this one place: the label font, the geometry, the labels printed, the highlights.
function recordDrawing(figure, { printed, highlights, kernels, marks, outlined }) {
  const { canvas, labelling } = figure;
  const { left, top, cell, rows, cols, row0, col0 } = figure.geometry;
  canvas.dataset.font = labelling ? String(labelling.font) : "";
  canvas.dataset.geometry = JSON.stringify({ left, top, cell, rows, cols, row0, col0 });
  canvas.dataset.printed = JSON.stringify(printed);
  canvas.dataset.highlights = JSON.stringify(highlights.map((h) => [...h.rectangle, h.color]));
  canvas.dataset.kernels = JSON.stringify(kernels);
  canvas.dataset.marks = JSON.stringify(marks);
  canvas.dataset.outlined = String(outlined); // an overlay's picture: its outline's segments drawn
}

function drawTicks(context, geometry) {
  const { left, top, cell, rows, cols, row0, col0, tickFont } = geometry;
  // One index every `step` cells, so that tick labels never crowd (1, 2, 5, 10, ...).
  const step = [1, 2, 5, 10, 20, 50, 100].find((s) => s * cell >= tickFont * 1.9) || 200;
  context.fillStyle = "#444444";
  context.font = `${tickFont}px ${FONT_FAMILY}`;
  context.textAlign = "center";
  context.textBaseline = "middle";
  for (let c = 0; c < cols; c++) {
    if ((c + col0) % step === 0) context.fillText(shown(String(c + col0)), left + (c + 0.5) * cell, top / 2);
  }
  context.textAlign = "right";
  for (let r = 0; r < rows; r++) {
    if ((r + row0) % step === 0) context.fillText(shown(String(r + row0)), left - 4, top + (r + 0.5) * cell);
  }
  context.textAlign = "center";
}

// A rectangle's outline, ``inset`` into its cells; centred where a line ``centredAs`` wide
// would be (a halo under a thinner line is centred on that line).
function strokeRectangle(context, geometry, [rowStart, rowStop, colStart, colStop], color, width, inset, centredAs = width) {
  const { left, top, cell, rows, cols, row0, col0 } = geometry;
  // Clip to the drawn cells (∂L/∂x has no padding: its windows end at the input's edge).
  const r0 = Math.max(rowStart, row0), r1 = Math.min(rowStop, row0 + rows);
  const c0 = Math.max(colStart, col0), c1 = Math.min(colStop, col0 + cols);
  if (r0 >= r1 || c0 >= c1) return;
  const shrink = Math.min(inset, cell / 4) + centredAs / 2;
  context.strokeStyle = color;
  context.lineWidth = width;
  context.strokeRect(
    left + (c0 - col0) * cell + shrink,
    top + (r0 - row0) * cell + shrink,
    (c1 - c0) * cell - 2 * shrink,
    (r1 - r0) * cell - 2 * shrink,
  );
}

// What to outline: the description's own highlights, then the current selection. A clicked
// input cell may sit in several windows: each gets its own colour (and a small inset), and
// on the output grids the same colour marks the output that window feeds.
function highlightsFor(root, figure) {
  const { grid } = figure;
  const { data, selection } = root.state;
  const result = [];
  const colors = root.state.windowColors;
  const thin = grid.cells.length > 0;
  for (const rectangle of grid.windows) result.push({ rectangle, color: colors[0], width: thin ? 2 : 3.5, inset: 0 });
  for (const [row, col] of grid.cells) result.push({ rectangle: [row, row + 1, col, col + 1], color: CELL_COLOR, width: 3.5, inset: 0 });
  if (!selection) return result;
  if (selection.kind === "cell") {
    // A grid that links to no other: its own cell alone.
    if (selection.grid === grid.key) result.push({ rectangle: [selection.row, selection.row + 1, selection.col, selection.col + 1], color: CELL_COLOR, width: 3.5, inset: 0 });
    return result;
  }
  if (!grid.link) return result;
  if (selection.kind === "matrix") {
    if (grid.link === "matrix") result.push({ rectangle: [selection.row, selection.row + 1, 0, grid.cols], color: colors[0], width: 3.5, inset: 0 });
    return result;
  }
  const windows = selectedWindows(data.axes, selection);
  windows.forEach(({ i, j, rows, cols }, k) => {
    const color = windows.length > 1 ? colors[k % colors.length] : colors[0];
    const kernel = [rows[0], data.axes.row_reach[i], cols[0], data.axes.col_reach[j]];
    if (grid.link === "input") result.push({ rectangle: [rows[0], rows[1], cols[0], cols[1]], color, width: windows.length > 1 ? 2.5 : 3.5, inset: windows.length > 1 ? (k % 4) * 2 : 0, kernel });
    else if (selection.kind === "input") result.push({ rectangle: [i, i + 1, j, j + 1], color, width: 3.5, inset: 0 });
  });
  if (selection.kind === grid.link) {
    result.push({ rectangle: [selection.row, selection.row + 1, selection.col, selection.col + 1], color: CELL_COLOR, width: 3.5, inset: 0 });
  }
  return result;
}

// The windows a selection involves: an output cell's one window, or every window that
// covers an input cell (window (i, j) covers rows[i] x cols[j]).
function selectedWindows(axes, selection) {
  if (!axes) return [];
  if (selection.kind === "output") {
    const rows = axes.rows[selection.row], cols = axes.cols[selection.col];
    return rows && cols ? [{ i: selection.row, j: selection.col, rows, cols }] : [];
  }
  const covering = [];
  axes.rows.forEach((rows, i) => {
    if (rows[0] > selection.row || selection.row >= rows[1]) return;
    axes.cols.forEach((cols, j) => {
      if (cols[0] <= selection.col && selection.col < cols[1]) covering.push({ i, j, rows, cols });
    });
  });
  return covering;
}

// ---------------------------------------------------------------------------------------
// Interaction: hover, click or tap, keyboard.

function cellAt(figure, event) {
  const { left, top, cell, rows, cols, row0, col0 } = figure.geometry;
  const bounds = figure.canvas.getBoundingClientRect();
  const c = Math.floor((event.clientX - bounds.left - left) / cell);
  const r = Math.floor((event.clientY - bounds.top - top) / cell);
  if (r < 0 || c < 0 || r >= rows || c >= cols) return null;
  return [r + row0, c + col0];
}

function inside(grid, [row, col]) {
  return row >= 0 && col >= 0 && row < grid.rows && col < grid.cols;
}

function describeCell(root, figure, [row, col]) {
  const { grid, values } = figure;
  if (!inside(grid, [row, col])) {
    const hover = inPadding(grid, [row, col]) ? grid.padding_hover : grid.overhang_hover;
    return hover.replace("{row}", shown(String(row))).replace("{col}", shown(String(col))); // padding [−1, 0]
  }
  const value = values[row * grid.cols + col];
  const name = `${grid.name}[${row}, ${col}]`;
  // Exact, or its fraction and the rounded decimal, or marked as rounded, as every sentence
  // writes it: never a rounded number that looks exact.
  return `${name} ${equalsValue(value, grid.style)}`;
}

function hover(root, figure, event) {
  const cell = cellAt(figure, event);
  const tip = figure.tip;
  if (!cell || event.pointerType === "touch") {
    tip.hidden = true;
    return;
  }
  if (figure.quietCell === String(cell)) return;
  figure.quietCell = null;
  const clickable = inside(figure.grid, cell);
  tip.textContent = describeCell(root, figure, cell) + (clickable ? ` · ${root.state.data.text.click}` : "");
  tip.hidden = false;
  const bounds = figure.canvas.getBoundingClientRect();
  const x = event.clientX - bounds.left;
  tip.style.left = Math.min(x + 12, Math.max(0, bounds.width - tip.offsetWidth)) + "px";
  tip.style.top = event.clientY - bounds.top + 14 + "px";
}

function select(root, figure, [row, col]) {
  const { grid } = figure;
  if (!inside(grid, [row, col])) return;
  // What the cell means: its link ("input", "output", "matrix"), or the cell alone ("cell").
  const selection = { kind: grid.link || "cell", row, col, grid: grid.key };
  // Light the windows up now; Python answers with the written explanation.
  root.state.selection = selection;
  for (const other of root.state.figures) if (other.grid) drawCanvas(root, other);
  root.dataset.selection = JSON.stringify(selection);
  root.dataset.selectedAt = String(performance.now());
  // Grids a class pushed for a question (`local`) are not the page's: its explanation of the
  // cell could give the answer away. The page's rerun brings its own grids.
  if (root.state.data.local) return;
  root.state.send("select", selection);
  bringExplanationIntoView(root, selection);
}

// Python writes the explanation under the grids; when it appears below (or above) the
// screen, as on a phone, scroll just enough to show it. Its container's class names the cell.
// It is placed once the run that wrote it has ended (the page no longer moves under it).
function bringExplanationIntoView(root, selection) {
  const name = `st-key-${root.state.data.explanation}_${selection.grid}_${selection.row}_${selection.col}`;
  const started = performance.now();
  const look = () => {
    if (JSON.stringify(root.state.selection) !== JSON.stringify(selection)) return; // another click since
    const box = document.getElementsByClassName(name)[0];
    if (!box || scriptRunning()) {
      // Python's answer may take seconds on a busy server: keep looking (a cheap query) a while.
      if (performance.now() - started < 20000) setTimeout(look, 100);
      return;
    }
    const bounds = box.getBoundingClientRect();
    if (bounds.bottom > window.innerHeight || bounds.top < 0) box.scrollIntoView({ block: "nearest" });
  };
  setTimeout(look, 50);
}

function scriptRunning() {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testScriptState === "running";
}

function keyboard(root, figure, event) {
  const { grid } = figure;
  const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const focus = root.state.focus[figure.index] || [0, 0];
  if (moves[event.key]) {
    const [dr, dc] = moves[event.key];
    const next = [Math.max(0, Math.min(grid.rows - 1, focus[0] + dr)), Math.max(0, Math.min(grid.cols - 1, focus[1] + dc))];
    root.state.focus[figure.index] = next;
    figure.element.querySelector(".live").textContent = describeCell(root, figure, next);
    drawCanvas(root, figure);
    event.preventDefault();
  } else if (event.key === "Enter" || event.key === " ") {
    root.state.focus[figure.index] = focus;
    select(root, figure, focus);
    event.preventDefault();
  } else if (event.key === "Escape" && root.state.selection) {
    root.state.selection = null;
    for (const other of root.state.figures) if (other.grid) drawCanvas(root, other);
    root.state.send("select", null);
  }
}

// A slide's PNG of one grid, at 3x (sharp on a slide), named after the view: its title, its
// cells large enough for their numbers where that keeps the picture slide-sized, and its
// colour bar (a slide has no hover to read a value from).
function savePng(root, figure) {
  const { grid } = figure;
  const surface = slideSurface(figure);
  const { left, top, cell, rows, cols } = surface.geometry;
  const gridWidth = Math.ceil(left + cell * cols + 2);
  const gridHeight = Math.ceil(top + cell * rows + 2);
  const width = Math.max(gridWidth, 240);
  const height = SLIDE.title + gridHeight + SLIDE.bar;
  const png = document.createElement("canvas");
  png.width = Math.round(width * PNG_SCALE);
  png.height = Math.round(height * PNG_SCALE);
  const context = png.getContext("2d");
  context.scale(PNG_SCALE, PNG_SCALE);
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, width, height);
  context.fillStyle = "#111111";
  context.font = `600 ${SLIDE.titleFont}px ${FONT_FAMILY}`;
  context.textAlign = "left";
  context.textBaseline = "middle";
  context.fillText(grid.title, 4, SLIDE.title / 2);
  context.translate(0, SLIDE.title);
  drawGrid(root, figure, { ...surface, context });
  context.translate(0, gridHeight);
  paintColorbar(context, grid, left, Math.max(gridWidth - left - 2, 160));
  png.toBlob((blob) => download(blob, `${grid.file}.png`), "image/png");
}

// The grid's geometry on a slide: cells wide enough for their numbers (at least the page's),
// within a slide-sized square.
function slideSurface(figure) {
  const { grid } = figure;
  const [rows, cols] = grid.extent;
  const page = figure.geometry;
  const wanted = Math.max(page.cell, labelCell(grid, SLIDE), 24);
  const cell = Math.max(Math.min(wanted, SLIDE.side / Math.max(rows, cols)), page.cell);
  const longestTick = Math.max(String(page.row0).length, String(page.row0 + rows - 1).length);
  const left = Math.ceil(SLIDE.tickFont * 0.62 * longestTick) + 8;
  const geometry = { ...page, left, top: SLIDE.tickFont + 8, cell, tickFont: SLIDE.tickFont };
  return { geometry, labelling: labelFont(grid, cell, SLIDE) };
}

// The colour bar drawn on a 2D context: the scale's gradient, its ends and middle written
// under it as the page's colour bar writes them (grid.ticks: scenario/numbers.py's style, over
// the power of ten the title names).
function paintColorbar(context, grid, left, width) {
  const top = 10;
  const gradient = context.createLinearGradient(left, 0, left + width, 0);
  for (const [position, color] of grid.colors) gradient.addColorStop(position, color);
  context.fillStyle = gradient;
  context.fillRect(left, top, width, 12);
  context.strokeStyle = "#c8c8c8";
  context.lineWidth = 1;
  context.strokeRect(left + 0.5, top + 0.5, width - 1, 11);
  context.fillStyle = "#444444";
  context.font = `14px ${FONT_FAMILY}`;
  context.textBaseline = "top";
  ["left", "center", "right"].forEach((align, k) => {
    context.textAlign = align;
    context.fillText(grid.ticks[k], left + (width * k) / 2, top + 15);
  });
}

function download(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

// ---------------------------------------------------------------------------------------
// Numbers and colours.

function decode({ dtype, b64 }) {
  const bytes = Uint8Array.from(atob(b64), (character) => character.charCodeAt(0));
  return dtype === "f8" ? new Float64Array(bytes.buffer) : new Float32Array(bytes.buffer);
}

// The app's one way of writing a number: scenario/numbers.py's rules (format_number,
// exact_text, equals_text) in the grid's style (noise floor, fractions), mirrored for hover
// texts; tests/test_browser_number_style.py runs both over one table of values.
const TOLERANCE = 1e-10;
const close = (a, b, tolerance = TOLERANCE) => Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
// A shown number's sign and exponent's sign are the minus sign, U+2212 (−0.25, 1.5e−5).
const MINUS = "\u2212";
const shown = (text) => text.replaceAll("-", MINUS);
const readBack = (text) => Number(text.replaceAll(MINUS, "-"));

function formatValue(value, digits = 4) {
  if (Number.isNaN(value)) return "–";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : MINUS + "∞";
  if (value === 0) return "0";
  const size = Math.abs(value);
  if (size >= 1e-4 && size < 10 ** digits) return shown(String(Number(value.toPrecision(digits))));
  if (size >= 10 ** digits && size < 1e6) return shown(value.toFixed(0));
  // Tiny or huge: an exponent, written compactly (1.5e−5, 2.5e7).
  let [mantissa, exponent] = value.toExponential(Math.max(digits - 1, 0)).split("e");
  if (mantissa.includes(".")) mantissa = mantissa.replace(/0+$/, "").replace(/\.$/, "");
  return shown(`${mantissa}e${Number(exponent)}`);
}

// The smallest q <= 144 with value = p/q (|p| <= 999), 0 if none.
function denominator(value, tolerance = TOLERANCE) {
  for (let q = 1; q <= 144; q++) {
    const scaled = value * q;
    const numerator = Math.round(scaled);
    if (Math.abs(scaled - numerator) <= tolerance * Math.abs(scaled)) return Math.abs(numerator) <= 999 ? q : 0;
  }
  return 0;
}

function fractionOf(value, tolerance) {
  const q = Number.isFinite(value) ? denominator(value, tolerance) : 0;
  return q > 1 ? shown(`${Math.round(value * q)}/${q}`) : null;
}

function writeValue(value, style, digits = 4) {
  if (Math.abs(value) <= style.zero) return "0";
  const fraction = style.fractions ? fractionOf(value, style.tolerance) : null;
  if (fraction) return fraction;
  const label = formatValue(value, digits);
  return !Number.isFinite(value) || close(readBack(label), value, style.tolerance) ? label : "≈" + label;
}

function equalsValue(value, style, digits = 4) {
  const written = writeValue(value, style, digits);
  const rounded = written.startsWith("≈");
  const fraction = written.includes("/") ? written : rounded ? fractionOf(value, style.tolerance) : null;
  if (!fraction) return rounded ? "≈ " + written.slice(1) : "= " + written;
  const decimal = formatValue(value, digits);
  return `= ${fraction} ${close(readBack(decimal), value, style.tolerance) ? "=" : "≈"} ${decimal}`;
}

const lookups = new Map();

// 256 colours along the scale's stops, and whether each is dark (white text on it).
function colorLookup(stops) {
  const key = JSON.stringify(stops);
  if (lookups.has(key)) return lookups.get(key);
  const rgb = stops.map(([position, color]) => [position, [1, 3, 5].map((at) => parseInt(color.slice(at, at + 2), 16))]);
  const colors = [];
  const dark = [];
  for (let index = 0; index < 256; index++) {
    const t = index / 255;
    let k = 1;
    while (k < rgb.length - 1 && rgb[k][0] < t) k++;
    const [p0, c0] = rgb[k - 1];
    const [p1, c1] = rgb[k];
    const f = p1 > p0 ? Math.min(1, Math.max(0, (t - p0) / (p1 - p0))) : 0;
    const mixed = c0.map((channel, n) => Math.round(channel + (c1[n] - channel) * f));
    colors.push(`rgb(${mixed[0]}, ${mixed[1]}, ${mixed[2]})`);
    // Relative luminance (WCAG): below ~0.18, white text has the better contrast.
    const linear = mixed.map((channel) => {
      const s = channel / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    dark.push(0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2] < 0.18);
  }
  const lookup = { colors, dark };
  lookups.set(key, lookup);
  return lookup;
}
