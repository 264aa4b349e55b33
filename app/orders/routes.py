from app.orders import bp  # noqa: F401
