"""One endpoint, two renderings: the whole page, or the fragment htmx asked for."""

from flask import make_response, render_template, request


def is_htmx() -> bool:
    """A request for a fragment. Restoring a page from history (Back/Forward to an address htmx
    pushed: with historyCacheSize 0 htmx asks the server for it and swaps the reply into
    <body>) wants the whole page, whatever htmx says in HX-Request: base.html sets
    historyRestoreAsHxRequest false, and this holds for an htmx configured otherwise."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def vary(response):
    """The headers is_htmx() reads, for caches between the two renderings of one address."""
    response.vary.update(("HX-Request", "HX-History-Restore-Request"))
    return response


def page_or_partial(template: str, partial: str, **context):
    """Render the full page, or only the partial when htmx asks; varies on what it reads."""
    html = render_template(partial if is_htmx() and not request.headers.get("HX-Boosted")
                           else template, **context)
    return vary(make_response(html))
