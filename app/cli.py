"""Commands for `flask --app wsgi ...`: tenants, users, operators and the demo data."""

import sys

import click
from flask import Flask
from sqlalchemy import func, select

from app import accounts, tenancy
from app.extensions import db
from app.models import Role, Tenant


def _fail(message: str) -> None:
    click.echo(f"Błąd: {message}", err=True)
    sys.exit(1)


def _refused(exc: accounts.AccountError) -> None:
    db.session.rollback()
    _fail("\n".join(exc.problems.values()))


def register(app: Flask) -> None:
    @app.cli.command("create-tenant")
    @click.option("--name", required=True)
    @click.option("--nip", required=True)
    @click.option("--owner-email", required=True)
    @click.option("--owner-password", required=True)
    def create_tenant_command(name, nip, owner_email, owner_password):
        """Create a service company with its owner; prints the tenant's id."""
        try:
            tenant_id = accounts.create_tenant(name, nip, owner_email, owner_password)
        except accounts.AccountError as exc:
            _refused(exc)
        click.echo(tenant_id)

    @app.cli.command("create-user")
    @click.option("--tenant", "tenant_id", required=True, type=int)
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
    def create_user_command(tenant_id, email, password, role):
        """Add a user to a tenant."""
        try:
            user_id = accounts.create_user(tenant_id, email, role, password)
        except accounts.AccountError as exc:
            _refused(exc)
        click.echo(user_id)

    @app.cli.command("create-operator")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    def create_operator_command(email, password):
        """Create a platform operator (the /platform console)."""
        try:
            operator_id = accounts.create_operator(email, password)
        except accounts.AccountError as exc:
            _refused(exc)
        click.echo(operator_id)

    @app.cli.command("seed-demo")
    @click.option("--email", default="demo@example.com", show_default=True)
    @click.option("--password", default="demo-plomba-2026", show_default=True)
    @click.option("--if-empty", is_flag=True, help="Do nothing when any tenant exists.")
    def seed_demo_command(email, password, if_empty):
        """Create the demo tenant with realistic data."""
        with tenancy.all_tenants():
            has_tenants = db.session.scalar(select(func.count()).select_from(Tenant))
        if if_empty and has_tenants:
            from app.demo import point_demo_producers_at_emulator, seed_catalogue

            seed_catalogue()  # data seeded before the catalogue existed gets it too
            moved = point_demo_producers_at_emulator()
            db.session.commit()
            click.echo("Dane już są: pomijam tworzenie firmy demonstracyjnej."
                       + (f" Adres RZS producentów demonstracyjnych: {moved} zmienionych."
                          if moved else ""))
            return
        from app.demo import seed_demo

        try:
            demo = seed_demo(email=email, password=password)
        except ValueError as exc:
            db.session.rollback()
            _fail(str(exc))
        click.echo(f"Firma demonstracyjna: {demo.name} (id {demo.tenant_id}, NIP {demo.nip})")
        click.echo(f"Zaloguj się: {email} / {password}")
