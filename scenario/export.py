"""Export the current view: the four tensors as CSV and JSON, and a PyTorch script that
rebuilds it (input values written out for small or hand-made inputs, the seed otherwise)."""

from __future__ import annotations

import json

import numpy as np

from i18n import text
from scenario.inputs import TORCH_CODE
from scenario.losses import Loss
from scenario.numbers import data_text
from scenario.params import PoolParams

__all__ = ["pytorch_script", "tensor_csv", "tensors_json"]

LITERAL_MAX_CELLS = 64  # inputs up to 8 x 8 are written out in the script, number by number


def tensor_csv(values: np.ndarray) -> str:
    """A 2D array as CSV: one row per line, every number as data (``data_text``: full float64
    precision, read back exactly by the app's CSV upload and by any spreadsheet).

    >>> tensor_csv(np.array([[0.25, 1.0], [2.0, 1 / 3]]))
    '0.25,1\\n2,0.3333333333333333\\n'
    """
    return "".join(",".join(data_text(v) for v in row) + "\n" for row in np.asarray(values))


def tensors_json(params: PoolParams, source: str, loss: str, tensors: dict[str, np.ndarray]) -> str:
    """The setup and the four tensors in one JSON document."""
    document = {
        "pooling": {key: list(v) if isinstance(v, tuple) else v for key, v in params.kwargs().items()},
        "input": source,
        "loss": loss,
        **{name: np.asarray(values).tolist() for name, values in tensors.items()},
    }
    return json.dumps(document, indent=1)


def _literal(values: np.ndarray) -> str:
    rows = ",\n    ".join("[" + ", ".join(data_text(v) for v in row) + "]" for row in values)
    return f"torch.tensor([\n    {rows},\n], dtype=torch.float64)"


def _input_lines(source: str, x: np.ndarray, seed: int, language: str) -> list[str]:
    h, w = x.shape
    if source in TORCH_CODE and x.size > LITERAL_MAX_CELLS:
        comment = ["# " + text(language, "export.script_random")] if source == "random" else []
        return [*comment, f"x = {TORCH_CODE[source].format(h=h, w=w, seed=seed)}"]
    if source == "classic":
        return ["torch.manual_seed(0)", "x = torch.randn(4, 4).double()  # " + text(language, "export.script_classic")]
    return [f"x = {_literal(x)}"]


def _loss_lines(loss: Loss) -> list[str]:
    """The loss as the app shows it (``loss.torch_code``), after its weights if it has any:
    generated for large random weights, written out otherwise."""
    if loss.name not in ("random", "custom"):
        return [loss.torch_code]
    if loss.weights_code and loss.grad_output.size > LITERAL_MAX_CELLS:
        return [loss.weights_code, loss.torch_code]
    return [f"w = {_literal(loss.grad_output)}", loss.torch_code]


def pytorch_script(
    params: PoolParams,
    source: str,
    x: np.ndarray,
    seed: int,
    loss: Loss,
    language: str = "en",
) -> str:
    """A standalone PyTorch script that rebuilds this view and prints y and x.grad (its
    comments in ``language``)."""
    height, width = x.shape
    input_lines = _input_lines(source, x, seed, language)
    loss_lines = _loss_lines(loss)
    needs_numpy = any("np." in line for line in input_lines + loss_lines)
    lines = [
        '"""' + text(language, "export.script_doc", call=params.torch_call(), rows=height, cols=width) + '"""',
        "",
        *(["import numpy as np"] if needs_numpy else []),
        "import torch",
        "import torch.nn as nn",
        "",
        "torch.set_printoptions(precision=4, sci_mode=False)",
        "",
        *input_lines,
        f"x = x.reshape(1, 1, {height}, {width}).requires_grad_()",
        "",
        f"pool = {params.torch_call()}",
        "y = pool(x)",
        *loss_lines,
        "loss.backward()",
        "",
        'print("y =", y.detach()[0, 0])',
        'print("x.grad =", x.grad[0, 0])',
        "",
    ]
    return "\n".join(lines)
