"""In a network: average pooling where it lives, in a small CNN trained on real handwritten
digits (``scenario/network.py``; trained by ``scripts/train_digits.py``, never at start-up).

Pick a digit and the class the loss is about: the page shows, channel by channel, each
pooling layer's x, y, the ∂L/∂y that arrives from the layer above and the ∂L/∂x it sends
down, with the Playground's grids, clicks and explanations; where the global pooling's ∂L/∂y
comes from, in numbers; and Grad-CAM, made of the same numbers. The pass runs on the 20
digits offered at once, (N, C, H, W) = (20, 4, 8, 8): each image and channel is pooled on its
own, as torch does.
"""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import streamlit as st

from figures import grad_input_grid, gradient_grid, input_grid, overlay_grid, retitled, value_grid, window_axes
from figures.grids import Selection
from pooling.reference import torch_digits_network
from scenario.explain import number, products_text
from scenario.inputs import cell_text
from scenario.network import (
    GradCam,
    NetworkPass,
    PlaygroundSource,
    PoolingLayer,
    gradcam_cell_text,
    gradcam_pixel_text,
    gradcam_weight_text,
    load_digits_cnn,
    network_pass,
    opening_digit,
)
from scenario.numbers import equals_text, format_number, shared_exponent
from scenario.typed_grid import encode_grid
from ui.badges import largest_difference, torch_badge
from ui.controls import URL_KEYS
from ui.display import Explainer, presenting, show_grids
from ui.lang import current_language, tr
from ui.router import page_header, require_router
from ui.url import UrlCheck, app_address

CHOICES = {"digit": 20, "target": 10, "channel1": 4, "channel2": 8}  # URL key -> how many options
COMPARED = ("x1", "y1", "grad_y1", "grad_x1", "x2", "y2", "grad_y2", "grad_x2", "probabilities")
COMPARED += ("gradcam", "gradcam_logp")  # the standard Grad-CAM's map, and its control's
PLAYGROUND_DIGITS = 4  # significant digits of the values a link sends to the Playground
# The digit and class pickers in even rows (10 a row, 5 on a phone) rather than 19 and one
# alone, or 8 and 2; the chosen option's label darker than Streamlit's (#c53948 on #f9ebed
# is 4.47:1, WCAG AA asks 4.5:1).
PAGE_CSS = """<style>
:is(.st-key-digit, .st-key-target) [role="radiogroup"] {
  display: grid; grid-template-columns: repeat(10, minmax(0, 1fr));
}
@media (max-width: 640px) {
  :is(.st-key-digit, .st-key-target) [role="radiogroup"] { grid-template-columns: repeat(5, minmax(0, 1fr)); }
}
[data-testid="stButtonGroup"] [data-selected="true"] [data-testid="stMarkdownContainer"] p { color: #a51d2d; }
</style>"""


@st.cache_data(max_entries=256, show_spinner=False)
def _pass(target: int, digit: int) -> NetworkPass:
    """The network on the 20 digits offered, each about its label, the chosen one about ``target``."""
    data = load_digits_cnn()
    targets = data.labels[data.shown].copy()
    targets[digit] = target
    return network_pass(data.weights, data.pixels[data.shown], targets)


def _choice(url: UrlCheck, key: str, label: str, default: int, format_func, horizontal: bool = True) -> int:
    """A whole-number choice kept in the URL (``key=3``); a value the URL gives that is not one
    of the options is said, and the default used."""
    options = list(range(CHOICES[key]))
    if key not in st.session_state:
        asked = url.raw.get(key, "")
        st.session_state[key] = int(asked) if asked.isdigit() and int(asked) in options else default
    value = st.segmented_control(label, options, key=key, format_func=format_func, width="stretch")
    value = default if value is None else value  # clicking the chosen option again unselects it
    url.check(key, value, tr("network.allowed", key=key, last=options[-1]))
    if value == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = str(value)
    return value


@st.fragment
def network_page(url: UrlCheck) -> None:
    """The page's body: a fragment, so picking a digit or a channel reruns only this."""
    data = load_digits_cnn()
    language = current_language()
    st.markdown(tr("network.intro", accuracy=format_number(100 * data.accuracy, 3), command=data.command))
    labels = data.labels[data.shown]
    # It opens on a digit whose gradients can be read (scenario.network.opening_digit), and says why.
    digit = _choice(url, "digit", tr("network.digit"), opening_digit(), lambda i: f"{labels[i]}·{i % 2 + 1}")
    target = _choice(url, "target", tr("network.target"), int(labels[digit]), str)
    result = _pass(target, digit)
    _prediction(result, digit, language)
    st.header(tr("network.pool2_header"))
    _global_pool(url, result, digit, language)
    st.header(tr("network.pool1_header"))
    _first_pool(url, result, digit, language)
    st.header(tr("network.gradcam_header"))
    _gradcam(result, digit, language)
    _agreement(result, target, digit)


def _prediction(result: NetworkPass, digit: int, language: str) -> None:
    n = digit
    predicted, target = int(result.predictions[n]), int(result.targets[n])
    if n == opening_digit() and target == predicted:  # why the page opens on this digit, read first
        st.markdown(_why_this_digit(result, n))
    left, right = st.columns([1, 2], vertical_alignment="top")
    with left:
        image = value_grid(result.pixels[n, 0], tr("network.image"), tr("network.pixels"), language=language)
        show_grids({"digit": image}, key="network_digit", file_prefix="avgpool_network_digit", columns=1)
    sentence = tr(
        "network.prediction",
        predicted=predicted,
        confidence=format_number(100 * result.probabilities[n, predicted], 3),
        target=target,
        probability=format_number(result.probabilities[n, target], 6),  # 0.999959, not 1
        loss=equals_text(result.losses[n]),
    )
    if result.other_targets_give_larger_gradients(n):  # said only when it is true
        sentence += " " + tr("network.prediction_larger", target=target)
    right.markdown(sentence)


def _why_this_digit(result: NetworkPass, opening: int) -> str:
    """The opening digit is the one the network answers right but is least sure of; the digit
    it is surest of, named beside it, sends back almost nothing (every other digit is about its
    label here, as the opening one is)."""
    labels = load_digits_cnn().labels[load_digits_cnn().shown]
    sure = result.probabilities[np.arange(len(labels)), labels]
    surest = int(np.argmax(np.where(result.predictions == labels, sure, -1.0)))

    def name(n: int) -> str:
        return f"{labels[n]}·{n % 2 + 1}"

    return tr(
        "network.opening",
        digit=name(opening),
        confidence=format_number(100 * sure[opening], 3),
        sure=name(surest),
        probability=format_number(sure[surest], 6),
    )


def _channel_explainer(layer: PoolingLayer, digit: int, channel: int, language: str) -> Explainer:
    """A clicked cell of one channel's grids explained as on the Playground, named by channel."""

    def explain(selection: Selection) -> str | None:
        sentence = layer.explain(selection.kind, digit, channel, selection.row, selection.col, language)
        return None if sentence is None else tr("network.channel_sentence", channel=channel, sentence=sentence)

    return explain


def _layer_grids(layer: PoolingLayer, digit: int, channel: int, names: tuple[str, str], language: str) -> dict:
    """A layer's x, y, ∂L/∂y and ∂L/∂x for one image's channel, as the Playground draws them."""
    x, y = layer.x[digit, channel], layer.y[digit, channel]
    grad_y, grad_x = layer.grad_y[digit, channel], layer.grad_x[digit, channel]
    x_name, y_name = names
    values, gradients = shared_exponent(x, y), shared_exponent(grad_y, grad_x)  # each pair in one power of ten
    x_grid = input_grid(x, layer.windows, (0, 0), power=values, language=language)
    return {
        "x": retitled(x_grid, f"{x_name} = x") | {"name": "x"},
        "y": value_grid(y, f"{y_name} = y", "y", link="output", power=values, language=language),
        "grad_output": gradient_grid(
            grad_y, tr("network.grad_y", name=y_name), "∂L/∂y", link="output", power=gradients, language=language
        ),
        "grad_input": grad_input_grid(
            grad_x, title=tr("network.grad_x", name=x_name), power=gradients, language=language
        ),
    }


def _layer_section(url: UrlCheck, layer: PoolingLayer, digit: int, names: tuple[str, str], language: str) -> int:
    """One pooling layer, one channel at a time (its ``channel1``/``channel2`` choice): the
    four grids, clicks explained by channel. Returns the channel shown."""
    key = f"channel{names[0][-1]}"
    channel = _choice(url, key, tr("network.channel"), 0, str)
    grids = _layer_grids(layer, digit, channel, names, language)
    explain = _channel_explainer(layer, digit, channel, language)
    prefix = f"avgpool_network_pool{names[0][-1]}_c{channel}"
    show_grids(grids, key=f"network_pool{names[0][-1]}", file_prefix=prefix, windows=window_axes(layer.windows),
               explain=explain)  # fmt: skip
    return channel


def _global_pool(url: UrlCheck, result: NetworkPass, digit: int, language: str) -> None:
    st.markdown(tr("network.pool2_text"))
    channel = _layer_section(url, result.pool2, digit, ("x2", "y2"), language)
    st.markdown(_grad_y2_sum(result, digit, channel))


def _grad_y2_sum(result: NetworkPass, digit: int, channel: int) -> str:
    """∂L/∂y2[c] = Σ_k W[k, c] · (p_k − [k = target]), with the actual numbers."""
    weights = load_digits_cnn().weights.linear_weight[:, channel]
    errors = result.grad_logits[digit]
    terms = products_text(zip(weights, errors))
    value = result.pool2.grad_y[digit, channel, 0, 0]
    share = result.pool2.grad_x[digit, channel, 0, 0]
    return tr(
        "network.grad_y2_sum",
        channel=channel,
        terms=terms,
        value=equals_text(value),
        term=f"({number(value)})",
        share=equals_text(share),
    )


def _first_pool(url: UrlCheck, result: NetworkPass, digit: int, language: str) -> None:
    st.markdown(tr("network.pool1_text"))
    channel = _layer_section(url, result.pool1, digit, ("x1", "y1"), language)
    target = int(result.targets[digit])
    playground, frameworks = st.columns(2)
    link = _layer_link(result.pool1, digit, channel, target)
    playground.link_button(tr("network.open_playground"), link, icon=":material/open_in_new:", width="stretch")
    link = _layer_link(result.pool1, digit, channel, target, page="frameworks")
    frameworks.link_button(tr("network.open_frameworks"), link, icon=":material/compare_arrows:", width="stretch")
    labels = load_digits_cnn().labels[load_digits_cnn().shown]
    st.caption(
        tr("network.open_playground_source", digit=_digit_name(labels, digit), channel=channel,
           target=int(result.targets[digit]), digits=PLAYGROUND_DIGITS)
    )  # fmt: skip


def _digit_name(labels: np.ndarray, index: int) -> str:
    """A shown digit as its picker writes it: its label · which of the two (``5·2``)."""
    return f"{labels[index]}·{index % 2 + 1}"


def rounded_cell(value: float) -> str:
    """A value as a link sends it to the Playground: ``PLAYGROUND_DIGITS`` significant digits,
    written as the shortest text that reads back as exactly that number (``1.442``,
    ``-7.123e-5``), so the Playground computes from what its cells show."""
    return cell_text(float(f"{value:.{PLAYGROUND_DIGITS}g}"))


def _layer_link(layer: PoolingLayer, digit: int, channel: int, target: int, page: str = "") -> str:
    """The Playground (or ``page``, e.g. Across frameworks, which takes the same setup) with this
    channel's x as a typed input and its ∂L/∂y as a custom loss: a link, so it can be shared
    (values rounded, ``rounded_cell``). The layer is the sidebar's default pooling (kernel 2)."""
    grid = lambda values: encode_grid([[rounded_cell(value) for value in row] for row in values])  # noqa: E731
    x, grad_y = layer.x[digit, channel], layer.grad_y[digit, channel]
    source = PlaygroundSource(digit, channel, target, PLAYGROUND_DIGITS)
    query = {"input": "custom", "height": 8, "width": 8, "loss": "custom", "x": grid(x), "grad": grid(grad_y)}
    query["from"] = source.text()  # the Playground says where the numbers came from
    query |= {"lang": current_language()} | ({"present": "1"} if presenting() else {})
    return f"{app_address()}/{page}?{urlencode(query)}"


def _gradcam(result: NetworkPass, digit: int, language: str) -> None:
    """The standard Grad-CAM (of the target's logit), over the digit, every click explained;
    then the log-probability variant, folded, as a labelled alternative."""
    target = int(result.targets[digit])
    st.markdown(tr("network.gradcam_text", target=target))
    titles = (tr("network.gradcam_weights", target=target), tr("network.gradcam_map"), tr("network.gradcam_overlay"))
    _gradcam_grids(result, result.gradcam, digit, titles, "network_gradcam", language)
    control = result.gradcam_log_probability
    folded = st.expander(tr("network.gradcam_logp_title", target=target), key="network_gradcam_logp",
                         on_change="rerun", icon=":material/compare:")  # fmt: skip
    if not folded.open:
        return
    with folded:
        probability = format_number(result.probabilities[digit, target], 6)
        largest, standard = (number(cam.map[digit].max()) for cam in (control, result.gradcam))
        st.markdown(tr("network.gradcam_logp_text", target=target, probability=probability, largest=largest,
                       standard=standard))  # fmt: skip
        titles = (tr("network.gradcam_logp_weights"), tr("network.gradcam_logp_map"),
                  tr("network.gradcam_logp_overlay"))  # fmt: skip
        _gradcam_grids(result, control, digit, titles, "network_gradcam_logp_grids", language)


def _gradcam_grids(
    result: NetworkPass, cam: GradCam, digit: int, titles: tuple[str, str, str], key: str, language: str
) -> None:
    """One Grad-CAM: its channel weights in a row of their own (their numbers fit), then its
    4x4 map beside the map over the digit (the digit's outline over the heat), where the 2x2
    blocks of its upsampling are outlined and a map cell and its block light up together (one
    above the other on a phone)."""
    alphas = {"weights": gradient_grid(cam.weights[digit][None, :], titles[0], "α", language=language)}
    explain_alpha = lambda selection: gradcam_weight_text(result, cam, digit, selection.col, language)  # noqa: E731
    show_grids(alphas, key=f"{key}_weights", file_prefix=f"avgpool_{key}", columns=1, explain=explain_alpha)
    blocks = result.pool1.windows  # map cell (i, j) covers the 2x2 pixels pool1 averaged into y1[i, j]
    top = float(cam.map[digit].max()) or 1.0
    grids = {
        "map": value_grid(cam.map[digit], titles[1], "Grad-CAM", link="output", scale="heat", zrange=(0.0, top),
                          language=language),
        "overlay": overlay_grid(cam.upsampled[digit], result.pixels[digit, 0], titles[2],
                                "Grad-CAM 8×8", blocks=blocks, link="input", language=language),
    }  # fmt: skip

    def explain(selection: Selection) -> str | None:
        explain_cell = gradcam_cell_text if selection.grid == "map" else gradcam_pixel_text
        return explain_cell(result, cam, digit, selection.row, selection.col, language)

    # On a phone the overlay takes the screen's width: its 8x8 cells wide enough for a finger.
    show_grids(grids, key=key, file_prefix=f"avgpool_{key}", columns=2, phone_columns=1, windows=window_axes(blocks),
               explain=explain, hint=tr("network.gradcam_click"))  # fmt: skip
    underlay = grids["overlay"]["underlay"]  # the blocks and the digit's outline said here: a short title
    level, top = (format_number(underlay[end]) for end in ("level", "zmax"))
    st.caption(tr("network.gradcam_overlay_caption", level=level, top=top))


@st.cache_data(max_entries=256, show_spinner=False)
def _torch_pass(target: int, digit: int) -> dict[str, np.ndarray]:
    """torch autograd's numbers for the same batch as ``_pass`` (cached the same way)."""
    data = load_digits_cnn()
    targets = data.labels[data.shown].copy()
    targets[digit] = target
    return torch_digits_network(data.weights.arrays(), data.pixels[data.shown], targets)


def _agreement(result: NetworkPass, target: int, digit: int) -> None:
    """The whole network's numbers against torch autograd on the same weights (float64)."""
    theirs = _torch_pass(target, digit)
    ours = {"x1": result.pool1.x, "y1": result.pool1.y, "grad_y1": result.pool1.grad_y, "grad_x1": result.pool1.grad_x,
            "x2": result.pool2.x, "y2": result.pool2.y, "grad_y2": result.pool2.grad_y, "grad_x2": result.pool2.grad_x,
            "probabilities": result.probabilities, "gradcam": result.gradcam.map,
            "gradcam_logp": result.gradcam_log_probability.map}  # fmt: skip
    difference = largest_difference([ours[name] for name in COMPARED], [np.asarray(theirs[name]) for name in COMPARED])
    torch_badge(difference, tr("network.check_torch", difference=format_number(difference, 2)))


require_router()
page_header("pages/network.py", "network.caption")
st.html(PAGE_CSS)
with UrlCheck(URL_KEYS | set(CHOICES)) as url:
    network_page(url)
