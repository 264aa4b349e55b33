import re

from rq import SimpleWorker
from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Role, User
from tests import factories
from workers import queue, redis_connection


def _users(app, tenant):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        return {u.email: (u.role, u.is_active) for u in db.session.scalars(select(User))}


def test_invite_then_the_invitee_sets_a_password_and_signs_in(app, client, tenant_a, login,
                                                              smtp_sink, redis_client,
                                                              monkeypatch):
    redis_client.flushdb()
    monkeypatch.setattr(app.extensions["mail"], "server", smtp_sink.host)
    monkeypatch.setattr(app.extensions["mail"], "port", smtp_sink.port)
    login(tenant_a.owner_email)
    response = client.post("/administracja/uzytkownicy", data={"email": "Nowy@Alfa.pl",
                                                                "role": "office"})
    assert response.status_code == 303
    assert _users(app, tenant_a)["nowy@alfa.pl"] == ("office", True)
    with app.app_context():
        connection = redis_connection()
        SimpleWorker([queue("mail", connection)], connection=connection).work(burst=True)
    [message] = smtp_sink.messages
    assert "Serwis Alfa" in message["Subject"]
    link = re.search(r"http://plomba.test(/\S+)", message.get_content()).group(1)
    invitee = app.test_client()
    invitee.post(link, data={"password": "haslo-nowego-1", "repeat": "haslo-nowego-1"})
    assert invitee.post("/login", data={"email": "nowy@alfa.pl",
                                        "password": "haslo-nowego-1"}).status_code == 303


def test_invite_of_an_existing_address_changes_nothing_and_says_nothing(
        app, client, tenant_a, tenant_b, login, smtp_sink, redis_client, monkeypatch):
    # Issue 11, item 9: "Konto z tym adresem e-mail już istnieje" told the inviter that the
    # address works for another company. Now the answer is an invitation's; its owner is told.
    redis_client.flushdb()
    monkeypatch.setattr(app.extensions["mail"], "server", smtp_sink.host)
    monkeypatch.setattr(app.extensions["mail"], "port", smtp_sink.port)
    login(tenant_a.owner_email)
    before = _users(app, tenant_a)
    taken = client.post("/administracja/uzytkownicy", data={
        "email": tenant_b.owner_email, "role": "office"}, follow_redirects=True)
    fresh = client.post("/administracja/uzytkownicy", data={
        "email": "nowy@alfa.pl", "role": "office"}, follow_redirects=True)
    taken_page = taken.get_data(as_text=True)
    assert f"Zaproszono {tenant_b.owner_email}." in taken_page
    assert "Zaproszono nowy@alfa.pl." in fresh.get_data(as_text=True)
    assert "już istnieje" not in taken_page
    assert _users(app, tenant_a) == before | {"nowy@alfa.pl": ("office", True)}
    with app.app_context():
        connection = redis_connection()
        SimpleWorker([queue("mail", connection)], connection=connection).work(burst=True)
    notice = next(m for m in smtp_sink.messages if m["To"] == tenant_b.owner_email)
    assert "masz już konto w Plombie w innej firmie" in notice.get_content()
    assert "http" not in notice.get_content()  # no link that could take the account


def test_invite_of_someone_already_in_the_company_says_so(app, client, tenant_a, login):
    with app.app_context():
        factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
    login(tenant_a.owner_email)
    page = client.post("/administracja/uzytkownicy", data={
        "email": "Biuro@alfa.pl", "role": "office"}, follow_redirects=True).get_data(
        as_text=True)
    assert "biuro@alfa.pl jest już na liście użytkowników." in page


def test_roles_and_deactivation_keep_one_owner(app, client, tenant_a, login):
    with app.app_context():
        office_id = factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
    login(tenant_a.owner_email)
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        owner_id = db.session.scalar(select(User.id).where(User.email == tenant_a.owner_email))
    demote = client.post(f"/administracja/uzytkownicy/{owner_id}/rola", data={"role": "office"},
                         follow_redirects=True).get_data(as_text=True)
    assert "jedyny aktywny właściciel" in demote
    off = client.post(f"/administracja/uzytkownicy/{owner_id}/aktywne",
                      follow_redirects=True).get_data(as_text=True)
    assert "Nie można wyłączyć jedynego aktywnego właściciela" in off
    assert _users(app, tenant_a)[tenant_a.owner_email] == ("owner", True)

    office = app.test_client()
    office.post("/login", data={"email": "biuro@alfa.pl", "password": factories.PASSWORD})
    client.post(f"/administracja/uzytkownicy/{office_id}/rola", data={"role": "owner"})
    assert _users(app, tenant_a)["biuro@alfa.pl"] == ("owner", True)
    client.post(f"/administracja/uzytkownicy/{office_id}/aktywne")
    assert _users(app, tenant_a)["biuro@alfa.pl"] == ("owner", False)
    assert office.get("/").status_code == 302  # signed out at once
    client.post(f"/administracja/uzytkownicy/{office_id}/aktywne", data={"active": "1"})
    assert _users(app, tenant_a)["biuro@alfa.pl"] == ("owner", True)


def test_owner_signs_a_user_out_of_every_browser(app, client, tenant_a, login):
    with app.app_context():
        tech_id = factories.make_user(tenant_a, "serwis@alfa.pl", Role.TECHNICIAN)
    phone, laptop = app.test_client(), app.test_client()
    for browser in (phone, laptop):
        assert browser.post("/login", data={"email": "serwis@alfa.pl",
                                            "password": factories.PASSWORD}).status_code == 303
    login(tenant_a.owner_email)
    page = client.get("/administracja/uzytkownicy").get_data(as_text=True)
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if "serwis@alfa.pl" in r)
    assert re.search(r"<td>2 <form", row)  # two live browsers, and the button to end them
    done = client.post(f"/administracja/uzytkownicy/{tech_id}/wyloguj", follow_redirects=True)
    assert "Wylogowano serwis@alfa.pl ze wszystkich urządzeń." in done.get_data(as_text=True)
    assert phone.get("/").status_code == 302 and laptop.get("/").status_code == 302
    assert _users(app, tenant_a)["serwis@alfa.pl"] == ("technician", True)  # still active
    assert client.get("/").status_code == 200
    # The owner's own sessions are ended in "Moje konto", not here.
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        owner_id = db.session.scalar(select(User.id).where(User.email == tenant_a.owner_email))
    own = client.post(f"/administracja/uzytkownicy/{owner_id}/wyloguj", follow_redirects=True)
    assert "Swoje sesje kończysz w „Moje konto”." in own.get_data(as_text=True)
    assert client.get("/").status_code == 200
