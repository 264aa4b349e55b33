from app.technicians import bp  # noqa: F401
