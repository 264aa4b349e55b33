from app.parties import bp  # noqa: F401
