"""Presets: one-click scenarios, each a shareable link with its one-line lesson."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from figures import grad_input_grid, window_axes
from scenario.compute import Computed
from scenario.presets import PRESETS, PRESETS_BY_KEY, Preset
from ui.controls import URL_KEYS
from ui.display import pooling_explainer, presenting, show_grids
from ui.lang import current_language, tr
from ui.router import PAGE_ICONS, page_header, page_title, require_router
from ui.url import UrlCheck, app_address

COLUMNS = 3


def preset_link(preset: Preset) -> dict[str, str]:
    """The preset's URL parameters, plus the language on screen and presentation mode when it
    is on: the link opens the same lesson, in the same room setup."""
    extra = {"preset": preset.key, "lang": current_language()}
    if presenting():
        extra["present"] = "1"
    return {**preset.settings, **extra}


PRESET_LINKS_ROOM = 64  # px under a preview in presentation mode: its links stay on screen


@st.cache_resource(max_entries=len(PRESETS), show_spinner=False)
def preset_numbers(key: str) -> Computed:
    """A preset's numbers, computed by the core (those its link opens). The same for
    everyone, never changed: computed once per server, not on every visit."""
    return PRESETS_BY_KEY[key].compute()


def presets_page() -> None:
    language = current_language()
    for start in range(0, len(PRESETS), COLUMNS):
        for column, preset in zip(st.columns(COLUMNS), PRESETS[start : start + COLUMNS]):
            with column.container(border=True, key=f"preset_card_{preset.key}"):
                st.subheader(preset.title(language))
                st.markdown(preset.lesson(language))
                numbers = preset_numbers(preset.key)
                show_grids(
                    {"grad_input": grad_input_grid(numbers.grad_input, title="∂L/∂x", language=language)},
                    key=f"preset_{preset.key}",
                    file_prefix=f"avgpool_preset_{preset.key}",
                    columns=1,
                    windows=window_axes(numbers.windows),
                    explain=pooling_explainer(
                        numbers.x, numbers.y, numbers.loss.grad_output, numbers.grad_input, numbers.windows, language
                    ),
                    room_below=PRESET_LINKS_ROOM,
                )
                link = preset_link(preset)
                links = st.columns(2)
                for column, page in zip(links, ("pages/playground.py", "pages/step_by_step.py")):
                    column.page_link(page, label=page_title(page), icon=PAGE_ICONS[page], query_params=link)
                # The whole absolute link, wrapped (not cut off), with the code block's copy button
                # (not on a projector: the grids need its height, and nobody copies from a wall).
                if not presenting():
                    st.code(f"{app_address()}/?{urlencode(link)}", language=None, wrap_lines=True)


def network_card() -> None:
    """The gallery's last lesson: average pooling in a real network (its own page)."""
    with st.container(border=True, key="preset_card_network"):
        st.subheader(tr("presets.network_title"))
        st.markdown(tr("presets.network_lesson"))
        st.page_link("pages/network.py", label=page_title("pages/network.py"), icon=PAGE_ICONS["pages/network.py"])


# kernel 3, stride 2, ceil_mode on 6x6: torch.compile's ∂L/∂x differs from eager's; Flax cannot say it.
FRAMEWORKS_LINK = {"kernel_h": "3", "stride_h": "2", "ceil_mode": "true", "height": "6", "width": "6"}
FRAMEWORKS_LINK["compile"] = "true"  # its point is torch.compile's


def frameworks_card() -> None:
    """A last card: the same pooling in other frameworks, where they disagree (its own page)."""
    with st.container(border=True, key="preset_card_frameworks"):
        st.subheader(tr("presets.frameworks_title"))
        st.markdown(tr("presets.frameworks_lesson"))
        page = "pages/frameworks.py"
        st.page_link(page, label=page_title(page), icon=PAGE_ICONS[page], query_params=FRAMEWORKS_LINK)


require_router()
page_header("pages/presets.py", "presets.caption")
with UrlCheck(URL_KEYS):  # the shared settings are known here; anything else is reported
    presets_page()
    network_card()
    frameworks_card()
