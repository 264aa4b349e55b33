"""A signed-in operator for the console's tests."""

from app.accounts.passwords import hash_password
from app.extensions import db
from app.models import Operator

OP_EMAIL, OP_PASSWORD = "operator@plomba.pl", "haslo-operatora-1"


def sign_in_operator(app, client):
    with app.app_context():
        db.session.add(Operator(email=OP_EMAIL, password_hash=hash_password(OP_PASSWORD)))
        db.session.commit()
    response = client.post("/platform/logowanie", data={"email": OP_EMAIL,
                                                        "password": OP_PASSWORD})
    assert response.status_code == 303
    return client
