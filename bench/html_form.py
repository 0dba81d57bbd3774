"""The fields a browser would send for a page's POST form (used by bench/locustfile.py; stdlib only)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    """Every POST form of a page as a list of (name, value) pairs a browser would send (no submit buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._current: list[tuple[str, str]] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._current = []
            self.forms.append(self._current)
        if self._current is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._current.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._current.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select":
            self._select = name
        elif tag == "option" and "selected" in a and self._select:
            self._current.append((self._select, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._current is not None:
            text = "".join(self._text)
            self._current.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select":
            self._select = ""
        elif tag == "form":
            self._current = None


def form_fields(html: str, containing: str) -> list[tuple[str, str]]:
    """The fields of the first POST form of ``html`` that has a field named ``containing`` ([] if none)."""
    parser = _Forms()
    parser.feed(html)
    for fields in parser.forms:
        if any(name == containing for name, _ in fields):
            return fields
    return []
