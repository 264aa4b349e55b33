"""One endpoint, two renderings: the whole page, or the fragment htmx asked for.

`is_htmx()` is the one test of "does htmx want a fragment"; every view that branches on it gets
`Vary` on the headers it read, on both renderings (a cache between them must not hand the
fragment to a full-page load, nor the page to htmx)."""

from flask import Flask, g, make_response, render_template, request

VARY = ("HX-Request", "HX-History-Restore-Request", "HX-Boosted")


def is_htmx() -> bool:
    """A request for a fragment. Restoring a page from history (Back/Forward to an address htmx
    pushed: with historyCacheSize 0 htmx asks the server for it and swaps the reply into
    <body>) wants the whole page, whatever htmx says in HX-Request: base.html sets
    historyRestoreAsHxRequest false, and this holds for an htmx configured otherwise. A boosted
    link or form swaps <body> too, so it gets the whole page."""
    g.plomba_htmx_read = True
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true"
            and request.headers.get("HX-Boosted") != "true")


def page_or_partial(template: str, partial: str, /, http_status: int = 200, **context):
    """Render the full page, or only the partial when htmx asks."""
    return make_response(render_template(partial if is_htmx() else template, **context),
                         http_status)


def register(app: Flask) -> None:
    @app.after_request
    def _vary_on_htmx(response):
        if g.get("plomba_htmx_read"):
            response.vary.update(VARY)
        return response
