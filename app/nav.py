"""The navigation of the layout. Areas are listed here once; an entry shows only when its
endpoint exists, so the menu grows as the areas land and never links to a missing page."""

from flask import current_app

NAV = [
    ("Pulpit", [("Pulpit", "main.dashboard")]),
    ("Serwis", [("Zlecenia bieżące", "orders.index"), ("Zlecenia zamknięte", "orders.closed")]),
    (
        "Kartoteki",
        [
            ("Klienci", "parties.clients"),
            ("Producenci", "parties.producers"),
            ("Urządzenia", "devices.index"),
            ("Serwisanci", "technicians.index"),
            ("Usługi", "catalog.services"),
        ],
    ),
    ("Wysyłka", [("Dziennik wysyłki", "transmissions.index")]),
    ("Raporty", [("Raport ze zleceń", "reports.index")]),
    ("Administracja", [("Firma", "admin.index"), ("Naprawa danych", "admin.repair")]),
    ("Info", [("O programie", "main.about")]),
]


def nav_sections() -> list[tuple[str, list[tuple[str, str]]]]:
    present = current_app.view_functions
    sections = []
    for title, entries in NAV:
        shown = [(label, endpoint) for label, endpoint in entries if endpoint in present]
        if shown:
            sections.append((title, shown))
    return sections
