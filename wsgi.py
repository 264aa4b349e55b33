"""Entry point for gunicorn (`wsgi:app`) and the Flask CLI (`flask --app wsgi ...`)."""

from app import create_app, heap

app = create_app()
heap.settle()  # each gunicorn worker imports this module: settled before its first request
