"""One endpoint, two renderings: the whole page, or the fragment htmx asked for."""

from flask import make_response, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def page_or_partial(template: str, partial: str, **context):
    """Render the full page, or only the partial when htmx asks; varies on HX-Request."""
    html = render_template(partial if is_htmx() and not request.headers.get("HX-Boosted")
                           else template, **context)
    response = make_response(html)
    response.vary.add("HX-Request")
    return response
