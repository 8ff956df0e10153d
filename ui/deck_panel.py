"""The cockpit's lesson deck: pick a deck (built in, a file, a ``?deck=`` link), step through
it, ask a step's question, share it; and the step's words on the projector.

The deck and its step live in the lesson (``classroom.model.open_deck``, ``go_to_step``), so
a reload, a new tab or another replica keeps them; each change is the teacher's alone
(``ui.classroom.teacher_action`` checks the secret server-side). A step's setup is published
as the teacher's sidebar would send it (``classroom.setups.sent_setup``): the class is on the
step while its setup is that one, and off it once the teacher changes the setup by hand.
Every text of a deck is plain text (``st.text``), never Markdown.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from classroom import model
from classroom.deck import (
    MAX_BYTES,
    Deck,
    DeckError,
    DeckQuestion,
    Step,
    add_step,
    deck_from_json,
    deck_from_link,
    deck_link,
    deck_to_json,
    edit_step,
    lesson_deck,
    move_step,
    on_step,
    question_of,
    remove_step,
    stored_deck,
    words,
)
from classroom.deck_library import BUILT_IN
from classroom.model import Lesson
from classroom.setups import sent_setup
from i18n import user_text
from ui import classroom
from ui.display import selected_cell
from ui.lang import current_language, tr
from ui.url import app_address

__all__ = ["deck_panel", "deck_picker", "link_deck_note", "projector_words", "step_words"]

PICK = "class_deck_pick"  # the picker: a built-in deck's name, "file" or "link"
OFFERED = "class_deck_offered"  # decks this tab was given and has not started: {"file": text, "link": text}
LINKED = "class_deck_linked"  # (the link's deck= value, its deck's text or its DeckError): read once
FILE = "class_deck_file"
PICK_GRIDS = "class_pick_grids"  # the cockpit's grids: the cell picked there is an added step's question
# A DeckError said once, in the tab's language, where it happened: the file just uploaded
# beside its uploader, an edit in the editor (two expanders; the other may be closed).
FILE_PROBLEM = "class_deck_file_problem"
EDIT_PROBLEM = "class_deck_edit_problem"


def step_words(lesson: Lesson, language: str) -> str | None:
    """What the teacher says with the step the class is on (the projector shows it), or None."""
    deck = lesson_deck(lesson)
    if not on_step(lesson, deck):
        return None
    return words(deck.steps[lesson.step].text, language) or None


# Read from the back of the room: the step's words as large as the projector's explanations.
WORDS_CSS = """<style>
.st-key-class_step_words [data-testid="stText"] { font-size: clamp(1.25rem, 2.4vh, 1.6rem); line-height: 1.4; }
</style>"""


def projector_words(lesson: Lesson) -> None:
    """The projector, under its title: what the teacher says with the step the class is on
    (nothing once the teacher shows a setup of their own), as plain text."""
    said = step_words(lesson, current_language())
    if said:
        st.html(WORDS_CSS)
        st.container(key="class_step_words").text(said)


# ---------------------------------------------------------------------------------------
# The teacher's actions (callbacks): each one change of the lesson, checked server-side.


def _deck_change(change: Callable[[Lesson], Lesson], action: str = "deck") -> None:
    classroom.teacher_action(action, change)
    classroom.take_class_setup()  # the teacher's sidebar shows the step on the next followed page


def _to_step(lesson: Lesson, deck: Deck, index: int) -> Lesson:
    if not 0 <= index < len(deck.steps):
        return lesson
    return model.go_to_step(lesson, index, sent_setup(deck.steps[index].setup))


def _start(text: str) -> None:
    def change(lesson: Lesson) -> Lesson:
        if model.question_open(lesson):
            return lesson
        return _to_step(model.open_deck(lesson, text), stored_deck(text), 0)

    _deck_change(change)


def _go(index: int) -> None:
    def change(lesson: Lesson) -> Lesson:
        deck = lesson_deck(lesson)
        return lesson if deck is None else _to_step(lesson, deck, index)

    _deck_change(change)


def _ask_step() -> None:
    def change(lesson: Lesson) -> Lesson:
        deck = lesson_deck(lesson)
        question = question_of(deck.steps[lesson.step]) if on_step(lesson, deck) else None
        return lesson if question is None else model.ask(lesson, question)

    classroom.teacher_action("ask", change)


def _edit(edit: Callable[[Deck, int, Lesson], tuple[Deck, int]]) -> None:
    """An edit of the lesson's deck at its step (a callback): ``edit`` gives the new deck and the
    step the class is then at. The edited deck is read back as a file is (a setup that cannot
    travel in a deck, say a picture, is said, and nothing changes)."""

    def change(lesson: Lesson) -> Lesson:
        deck = lesson_deck(lesson)
        if deck is None or lesson.step is None:
            return lesson
        edited, step = edit(deck, min(lesson.step, len(deck.steps) - 1), lesson)
        text = deck_to_json(edited)
        stored_deck(text)  # raises DeckError: said by the caller
        return model.open_deck(lesson, text, step)

    try:
        classroom.teacher_action("deck", change)
    except DeckError as error:
        st.session_state[EDIT_PROBLEM] = error
    except IndexError:  # the deck changed in another of the teacher's tabs: this run draws it
        pass


def _add_current(question: DeckQuestion | None) -> None:
    def edit(deck: Deck, index: int, lesson: Lesson) -> tuple[Deck, int]:
        return add_step(deck, Step(lesson.setup or deck.steps[index].setup, {}, question), index + 1), index

    _edit(edit)


def _move(by: int) -> None:
    _edit(lambda deck, index, _: (move_step(deck, index, index + by), index + by))


def _remove() -> None:
    _edit(lambda deck, index, _: (remove_step(deck, index), min(index, len(deck.steps) - 2)))


def _save_words() -> None:
    language, said = current_language(), st.session_state.get("class_deck_words", "")

    def edit(deck: Deck, index: int, _: Lesson) -> tuple[Deck, int]:
        step = deck.steps[index]
        return edit_step(deck, index, Step(step.setup, {**step.text, language: said}, step.question)), index

    _edit(edit)


def _close() -> None:
    classroom.teacher_action("deck", lambda lesson: model.open_deck(lesson, None))


def _read_file() -> None:
    """A deck file uploaded (a callback): checked whole; a bad one is said, nothing else changes."""
    uploaded = st.session_state.get(FILE)
    if uploaded is None:
        return
    try:
        if uploaded.size > MAX_BYTES:  # said before anything is read
            raise DeckError("too_large", size=uploaded.size, max=MAX_BYTES)
        text = deck_to_json(deck_from_json(uploaded.getvalue()))
    except DeckError as error:
        st.session_state[FILE_PROBLEM] = error
        return
    st.session_state.setdefault(OFFERED, {})["file"] = text
    st.session_state[PICK] = "file"


# ---------------------------------------------------------------------------------------
# The decks this tab can start: the built-in ones, a file's, a link's.


@st.cache_resource
def _built_in_texts() -> dict[str, str]:
    return {name: deck_to_json(deck) for name, deck in BUILT_IN.items()}


def _linked() -> str | DeckError | None:
    """The ``?deck=`` link's deck as text (read once per value), or its error, or None."""
    packed = st.query_params.get("deck")
    if packed is None:
        return None
    kept = st.session_state.get(LINKED)
    if kept is None or kept[0] != packed:
        try:
            kept = (packed, deck_to_json(deck_from_link(packed)))
        except DeckError as error:
            kept = (packed, error)
        st.session_state[LINKED] = kept
        if isinstance(kept[1], str):
            st.session_state.setdefault(OFFERED, {})["link"] = kept[1]
            st.session_state[PICK] = "link"
    return kept[1]


def link_deck_note() -> None:
    """Before a class starts: the link's deck is said to be ready, or what is wrong with it."""
    linked = _linked()
    if isinstance(linked, DeckError):
        st.warning(linked.message(current_language()), icon=":material/link_off:")
    elif linked is not None:
        title = _inert(words(stored_deck(linked).title, current_language()))  # anyone's link: never Markdown
        st.info(tr("class.deck_ready", title=title), icon=":material/slideshow:")


def _picker(lesson: Lesson) -> None:
    deck_picker(tr("class.deck_start"), tr("class.deck_start_help"), _start, model.question_open(lesson))


def deck_picker(
    label: str, hint: str, on_pick: Callable[[str], None], disabled: bool = False, key: str = "class_deck_start"
) -> None:
    """The picker of the decks this tab can use (built in, a file's, a link's) and its button
    (``label``, key ``key``), which calls ``on_pick`` with the picked deck's text: the cockpit
    starts it, the Live class page assigns it as homework (ui/homework.py)."""
    language = current_language()
    linked = _linked()
    if isinstance(linked, DeckError):
        st.warning(linked.message(language), icon=":material/link_off:")
    texts = _built_in_texts() | dict(st.session_state.get(OFFERED, {}))
    titles = {name: words(stored_deck(text).title, language) for name, text in texts.items()}
    labels = {"file": "class.deck_from_file", "link": "class.deck_from_link"}
    shown = {name: tr(labels[name], title=title) if name in labels else title for name, title in titles.items()}
    options = [name for name in ("link", "file") if name in texts] + list(_built_in_texts())
    if st.session_state.get(PICK) not in options:
        st.session_state[PICK] = options[0]
    left, right = st.columns([2, 1], vertical_alignment="bottom")  # room for "开始这份课件" and its icon
    left.selectbox(tr("class.deck_pick"), options, key=PICK, format_func=lambda name: shown[name])
    right.button(label, key=key, type="primary", icon=":material/play_arrow:", help=hint, disabled=disabled,
                 on_click=on_pick, args=(texts[st.session_state[PICK]],), width="stretch")  # fmt: skip
    # Streamlit refuses more than 1 MB before the app reads it; the app, more than a deck's 512 kB.
    st.file_uploader(tr("class.deck_file"), type=["json"], key=FILE, on_change=_read_file, max_upload_size=1)
    problem = st.session_state.pop(FILE_PROBLEM, None)
    if problem is not None:
        st.warning(problem.message(language), icon=":material/block:")


def _share(deck: Deck) -> None:
    st.download_button(tr("class.deck_download"), deck_to_json(deck), file_name="avgpool_deck.json",
                       mime="application/json", icon=":material/download:", on_click="ignore")  # fmt: skip
    try:
        link = deck_link(deck)
    except DeckError as error:
        st.info(error.message(current_language()), icon=":material/link_off:")
        return
    st.caption(tr("class.deck_link"))
    st.code(app_address() + link, language=None, wrap_lines=True)


# ---------------------------------------------------------------------------------------


def deck_panel(lesson: Lesson) -> None:
    """The cockpit's lesson deck: the picker until a deck is started; then the step (its place,
    its words, its question), previous and next, back to the step, another deck, sharing."""
    st.subheader(tr("class.deck_header"))
    deck = lesson_deck(lesson)
    if deck is None or lesson.step is None:
        _picker(lesson)
        return
    _player(lesson, deck)
    with st.expander(tr("class.deck_edit"), icon=":material/edit:"):
        _editor(lesson, deck)
    with st.expander(tr("class.deck_other"), icon=":material/folder_open:"):
        _picker(lesson)
        _share(deck)
        st.button(tr("class.deck_close"), key="class_deck_close", icon=":material/close:", on_click=_close)


def _player(lesson: Lesson, deck: Deck) -> None:
    language, index, count = current_language(), lesson.step, len(deck.steps)
    step = deck.steps[min(index, count - 1)]
    st.markdown(tr("class.deck_place", title=_inert(words(deck.title, language)), step=index + 1, count=count))
    held = model.question_open(lesson)
    if held:
        st.caption(tr("class.deck_hold"))
    if not on_step(lesson, deck):
        st.info(tr("class.deck_off", step=index + 1), icon=":material/edit_note:")
        st.button(tr("class.deck_back", step=index + 1), key="class_deck_back", icon=":material/undo:",
                  disabled=held, on_click=_go, args=(index,))  # fmt: skip
    said = words(step.text, language)
    if said:
        with st.container(border=True):
            st.caption(tr("class.deck_text"))
            st.text(said)  # plain text: a deck file's words are never Markdown
    left, right = st.columns(2)
    left.button(tr("class.deck_prev"), key="class_deck_prev", icon=":material/skip_previous:", width="stretch",
                disabled=held or index == 0, on_click=_go, args=(index - 1,))  # fmt: skip
    right.button(tr("class.deck_next"), key="class_deck_next", icon=":material/skip_next:", type="primary",
                 width="stretch", disabled=held or index + 1 >= count, on_click=_go, args=(index + 1,))  # fmt: skip
    if index + 1 >= count:
        st.caption(tr("class.deck_last"))
    if step.question is not None and on_step(lesson, deck) and lesson.question is None:
        target = model.cell_name(step.question.kind, step.question.cell)
        label = "class.deck_ask_choice" if step.question.as_choice else "class.deck_ask"
        st.button(tr(label, target=target), key="class_deck_ask", icon=":material/quiz:",
                  type="primary", on_click=_ask_step)  # fmt: skip


def _editor(lesson: Lesson, deck: Deck) -> None:
    """Edit the deck in class: this step's words, its place, removing it; the class's current
    setup added after it, with the cell picked on the cockpit's grids as its question."""
    index, count = min(lesson.step, len(deck.steps) - 1), len(deck.steps)
    held = model.question_open(lesson)
    problem = st.session_state.pop(EDIT_PROBLEM, None)
    if problem is not None:
        st.warning(problem.message(current_language()), icon=":material/block:")
    shown = (lesson.deck, index, current_language())  # the words box starts from the step's words, once
    if st.session_state.get("class_deck_words_of") != shown:
        st.session_state["class_deck_words_of"] = shown
        st.session_state["class_deck_words"] = words(deck.steps[index].text, current_language())
    st.text_area(tr("class.deck_words", step=index + 1), key="class_deck_words", max_chars=1_000)
    st.button(tr("class.deck_save_words"), key="class_deck_save_words", icon=":material/save:", on_click=_save_words)
    up, down, remove = st.columns(3)
    up.button(tr("class.deck_up"), key="class_deck_up", icon=":material/arrow_upward:", width="stretch",
              disabled=index == 0, on_click=_move, args=(-1,))  # fmt: skip
    down.button(tr("class.deck_down"), key="class_deck_down", icon=":material/arrow_downward:", width="stretch",
                disabled=index + 1 >= count, on_click=_move, args=(1,))  # fmt: skip
    remove.button(tr("class.deck_remove"), key="class_deck_remove", icon=":material/delete:", width="stretch",
                  disabled=count == 1 or held, on_click=_remove)  # fmt: skip
    chosen = selected_cell(PICK_GRIDS)
    question = None
    if chosen is not None and chosen.kind in ("input", "output"):
        question = DeckQuestion("output" if chosen.kind == "output" else "grad_input", (chosen.row, chosen.col))
    st.caption(tr("class.deck_add_hint"))
    label = "class.deck_add_question" if question else "class.deck_add"
    target = model.cell_name(question.kind, question.cell) if question else ""
    st.button(tr(label, step=index + 2, target=target), key="class_deck_add", icon=":material/add:",
              disabled=lesson.setup is None, on_click=_add_current, args=(question,))  # fmt: skip


def _inert(title: str) -> str:
    """A deck's title inside the catalogue's Markdown line: every character as itself."""
    return user_text(title, limit=120)
