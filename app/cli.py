"""Commands for `flask --app wsgi ...`: tenants, users, operators and the demo data."""

import sys

import click
from flask import Flask
from sqlalchemy import func, select

from app import tenancy
from app.auth.passwords import hash_password
from app.extensions import db
from app.identifiers import normalize_nip
from app.models import Operator, Role, Tenant, User


def _fail(message: str) -> None:
    click.echo(f"Błąd: {message}", err=True)
    sys.exit(1)


def _email_taken(email: str) -> bool:
    with tenancy.all_tenants():
        return (
            db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None
        )


def create_tenant(name: str, nip: str, owner_email: str, owner_password: str) -> int:
    """Create a service company and its owner in one transaction; returns the tenant's id.
    Raises ValueError with a message in Polish, having written nothing."""
    nip = normalize_nip(nip)
    owner_email = owner_email.strip().lower()
    if not name.strip():
        raise ValueError("Podaj nazwę firmy.")
    if len(owner_password) < 8:
        raise ValueError("Hasło musi mieć co najmniej 8 znaków.")
    with tenancy.all_tenants():
        if db.session.scalar(select(Tenant.id).where(Tenant.nip == nip)) is not None:
            raise ValueError(f"Firma z NIP {nip} już istnieje.")
    if _email_taken(owner_email):
        raise ValueError(f"Użytkownik {owner_email} już istnieje.")
    tenant = Tenant(name=name.strip(), nip=nip)
    with tenancy.all_tenants():  # a new tenant belongs to no tenant yet
        db.session.add(tenant)
        db.session.flush()
    tenant_id = tenant.id
    with tenancy.use_tenant(tenant_id):
        db.session.add(User(email=owner_email, password_hash=hash_password(owner_password),
                            role=Role.OWNER.value))
        db.session.commit()
    return tenant_id


def register(app: Flask) -> None:
    @app.cli.command("create-tenant")
    @click.option("--name", required=True)
    @click.option("--nip", required=True)
    @click.option("--owner-email", required=True)
    @click.option("--owner-password", required=True)
    def create_tenant_command(name, nip, owner_email, owner_password):
        """Create a service company with its owner; prints the tenant's id."""
        try:
            tenant_id = create_tenant(name, nip, owner_email, owner_password)
        except ValueError as exc:
            db.session.rollback()
            _fail(str(exc))
        click.echo(tenant_id)

    @app.cli.command("create-user")
    @click.option("--tenant", "tenant_id", required=True, type=int)
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
    def create_user_command(tenant_id, email, password, role):
        """Add a user to a tenant."""
        email = email.strip().lower()
        with tenancy.all_tenants():
            if db.session.get(Tenant, tenant_id) is None:
                _fail(f"Nie ma firmy o id {tenant_id}.")
        if _email_taken(email):
            _fail(f"Użytkownik {email} już istnieje.")
        if len(password) < 8:
            _fail("Hasło musi mieć co najmniej 8 znaków.")
        with tenancy.use_tenant(tenant_id):
            user = User(email=email, password_hash=hash_password(password), role=role)
            db.session.add(user)
            db.session.commit()
            click.echo(user.id)

    @app.cli.command("create-operator")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    def create_operator_command(email, password):
        """Create a platform operator (the /platform console)."""
        email = email.strip().lower()
        if db.session.scalar(select(Operator.id).where(Operator.email == email)):
            _fail(f"Operator {email} już istnieje.")
        if len(password) < 12:
            _fail("Hasło operatora musi mieć co najmniej 12 znaków.")
        op = Operator(email=email, password_hash=hash_password(password))
        db.session.add(op)
        db.session.commit()
        click.echo(op.id)

    @app.cli.command("seed-demo")
    @click.option("--email", default="demo@example.com", show_default=True)
    @click.option("--password", default="demo-plomba", show_default=True)
    @click.option("--if-empty", is_flag=True, help="Do nothing when any tenant exists.")
    def seed_demo_command(email, password, if_empty):
        """Create the demo tenant with realistic data."""
        with tenancy.all_tenants():
            has_tenants = db.session.scalar(select(func.count()).select_from(Tenant))
        if if_empty and has_tenants:
            click.echo("Dane już są: pomijam tworzenie firmy demonstracyjnej.")
            return
        from app.demo import seed_demo

        try:
            demo = seed_demo(email=email, password=password)
        except ValueError as exc:
            db.session.rollback()
            _fail(str(exc))
        click.echo(f"Firma demonstracyjna: {demo.name} (id {demo.tenant_id}, NIP {demo.nip})")
        click.echo(f"Zaloguj się: {email} / {password}")
