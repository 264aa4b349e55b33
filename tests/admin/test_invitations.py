"""Invitations (issue 14, item 1): "zaproszony" until the link is used, "Wyślij zaproszenie
ponownie" (the older link stops working), a link valid 7 days that says so when expired."""

import re
from datetime import timedelta

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import AuditEntry, User
from tests import factories
from tests.auth.test_signup_and_reset import mailbox  # noqa: F401 - fixture

USERS = "/administracja/uzytkownicy"


def _link(message) -> str:
    return re.search(r"http://plomba.test(/\S+)", message.get_content()).group(1)


def _user(app, tenant, email):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        return db.session.scalar(select(User).where(User.email == email))


def _row(page: str, email: str) -> str:
    return page.split(f"<td>{email}", 1)[1].split("</tr>", 1)[0]


def test_invited_until_accepted_resend_spends_the_older_link(app, client, tenant_a, login,
                                                             mailbox):  # noqa: F811
    login(tenant_a.owner_email)
    client.post(USERS, data={"email": "nowy@alfa.pl", "role": "office"})
    row = _row(client.get(USERS).get_data(as_text=True), "nowy@alfa.pl")
    assert "zaproszony" in row and "Wyślij zaproszenie ponownie" in row
    invited = _user(app, tenant_a, "nowy@alfa.pl")
    resent = client.post(f"{USERS}/{invited.id}/zaproszenie", follow_redirects=True)
    assert "Wysłano ponownie zaproszenie do nowy@alfa.pl." in resent.get_data(as_text=True)
    first, second = mailbox()
    assert "Link jest ważny 7 dni." in second.get_content()
    assert _link(first).startswith("/zaproszenie/") and _link(first) != _link(second)
    invitee = app.test_client()
    old = invitee.get(_link(first), follow_redirects=True).get_data(as_text=True)
    assert "zastąpiony nowszym" in old
    form = invitee.get(_link(second)).get_data(as_text=True)
    assert "Ustaw hasło do konta <strong>nowy@alfa.pl</strong>" in form
    invitee.post(_link(second), data={"password": "haslo-nowego-1", "repeat": "haslo-nowego-1"})
    assert invitee.post("/login", data={"email": "nowy@alfa.pl",
                                        "password": "haslo-nowego-1"}).status_code == 303
    row = _row(client.get(USERS).get_data(as_text=True), "nowy@alfa.pl")
    assert "zaproszony" not in row and "aktywne" in row
    spent = app.test_client().get(_link(second), follow_redirects=True)
    assert "został już użyty" in spent.get_data(as_text=True)
    # Accepted: nothing to send again.
    again = client.post(f"{USERS}/{invited.id}/zaproszenie", follow_redirects=True)
    assert "przyjął(-ęła) już zaproszenie" in again.get_data(as_text=True)
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.scalar(select(AuditEntry.detail).where(
            AuditEntry.action == "user.reinvited")) == "nowy@alfa.pl"


def test_an_expired_invitation_says_so_in_polish(app, client, tenant_a, login, mailbox,  # noqa: F811
                                                 monkeypatch):
    from app.auth import invitation

    login(tenant_a.owner_email)
    client.post(USERS, data={"email": "nowy@alfa.pl", "role": "technician"})
    [message] = mailbox()
    monkeypatch.setattr(invitation, "INVITATION_VALID", timedelta(seconds=-1))
    page = app.test_client().get(_link(message), follow_redirects=True).get_data(as_text=True)
    assert "Zaproszenie wygasło: link jest ważny 7 dni." in page
    assert "Poproś właściciela konta firmy o nowe zaproszenie" in page
    assert _user(app, tenant_a, "nowy@alfa.pl").invited_at is not None


def test_resend_is_the_owners_and_another_companys_user_is_404(app, client, tenant_a,
                                                                tenant_b, login, mailbox):  # noqa: F811
    with app.app_context():
        factories.make_user(tenant_a, "biuro@alfa.pl")
    login(tenant_b.owner_email)
    client.post(USERS, data={"email": "nowy@beta.pl", "role": "office"})
    invited_b = _user(app, tenant_b, "nowy@beta.pl")
    client.post("/logout")
    login(tenant_a.owner_email)
    assert client.post(f"{USERS}/{invited_b.id}/zaproszenie").status_code == 404
    client.post("/logout")
    login("biuro@alfa.pl")
    assert client.post(f"{USERS}/{invited_b.id}/zaproszenie").status_code == 403
