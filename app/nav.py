"""The navigation of the layout. Areas are listed here once; an entry shows only when its
endpoint exists, so the menu grows as the areas land and never links to a missing page."""

from flask import current_app
from flask_login import current_user

NAV = [
    ("Pulpit", [("Pulpit", "main.dashboard")]),
    ("Serwis", [("Zlecenia bieżące", "orders.index"), ("Zlecenia zamknięte", "orders.closed"),
                ("Przeglądy", "inspections.index")]),
    (
        "Kartoteki",
        [
            ("Klienci", "parties.clients"),
            ("Producenci", "parties.producers"),
            ("Urządzenia", "devices.index"),
            ("Serwisanci", "technicians.index"),
            ("Usługi", "catalog.services"),
            ("Import z pliku", "imports.index"),
        ],
    ),
    ("Wysyłka", [("Dziennik wysyłki", "transmissions.index")]),
    ("Raporty", [("Raport ze zleceń", "reports.index")]),
    ("Administracja", [("Firma", "admin.index"), ("Użytkownicy", "admin.users"),
                       ("Poczta (SMTP)", "admin.smtp"),
                       ("Dziennik zdarzeń", "admin.audit_log"),
                       ("Naprawa danych", "admin.repair")]),
    ("Info", [("O programie", "main.about")]),
]


def nav_sections() -> list[tuple[str, list[tuple[str, str]]]]:
    """The menu of the signed-in user: existing areas their role may open (the roles come
    from the view's own access check, app/auth/access.py)."""
    present = current_app.view_functions
    role = getattr(current_user, "role", None)

    def allowed(endpoint: str) -> bool:
        view = present.get(endpoint)
        return view is not None and role in getattr(view, "allowed_roles", {role})

    sections = []
    for title, entries in NAV:
        shown = [(label, endpoint) for label, endpoint in entries if allowed(endpoint)]
        if shown:
            sections.append((title, shown))
    return sections
