"""A worker whose PLOMBA_SECRETS_KEY is not the web's refuses to start (issue 13, item 8): it
would reject every event with "stored secret cannot be decrypted"."""

from cryptography.fernet import Fernet

from workers.__main__ import secrets_key_problem


def test_worker_refuses_a_key_that_cannot_read_the_stored_secrets(rzs, app, monkeypatch):
    with app.app_context():
        assert secrets_key_problem() == ""
        monkeypatch.setitem(app.config, "PLOMBA_SECRETS_KEY", Fernet.generate_key().decode())
        problem = secrets_key_problem()
    assert "cannot be decrypted with this PLOMBA_SECRETS_KEY" in problem
