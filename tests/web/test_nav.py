from app.models import Role
from tests import factories


def test_menu_shows_only_what_the_role_may_open(app, client, tenant_a, login):
    with app.app_context():
        factories.make_user(tenant_a, "tech@alfa.pl", Role.TECHNICIAN)
    login(tenant_a.owner_email)
    owner_menu = client.get("/").get_data(as_text=True)
    assert "Poczta (SMTP)" in owner_menu and "Naprawa danych" in owner_menu
    client.post("/logout")
    login("tech@alfa.pl")
    tech_menu = client.get("/").get_data(as_text=True)
    assert "Poczta (SMTP)" not in tech_menu and "Naprawa danych" not in tech_menu
    assert "Zlecenia bieżące" in tech_menu and "Klienci" in tech_menu
