from app.devices import bp  # noqa: F401
