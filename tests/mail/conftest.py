"""The SMTP sink as a tenant's own server.

A tenant may only aim at the mail ports 25, 465 and 587 (app.outbound), while the sink listens
on a free port of loopback. So the tenant configures port 587, and the guard's connection to a
sink address on a mail port lands on the sink's real port. Every connection the guard makes is
recorded in `connects` (the checked address it was pinned to)."""

import socket

import pytest

from app import outbound


class MailServer:
    def __init__(self, sink):
        self.sink = sink
        self.host, self.port = sink.host, 587
        self.messages = sink.messages
        # Addresses that lead to the sink (a test adds the "public" address it resolves to).
        self.addresses = {sink.host}
        # Where each (address, port) really goes, for servers other than the sink.
        self.routes: dict[tuple[str, int], tuple[str, int]] = {}
        self.connects: list[outbound.Target] = []

    @property
    def refuse(self):
        return self.sink.refuse

    @refuse.setter
    def refuse(self, reply):
        self.sink.refuse = reply


@pytest.fixture
def mail_server(smtp_sink, monkeypatch):
    server = MailServer(smtp_sink)
    real_connect = outbound.connect

    def connect(target, timeout=outbound.CONNECT_TIMEOUT):
        server.connects.append(target)
        route = server.routes.get((target.address, target.port))
        if route is None and target.address in server.addresses:
            route = (smtp_sink.host, smtp_sink.port)
        if route is not None:
            return socket.create_connection(route, timeout=timeout)
        return real_connect(target, timeout)

    monkeypatch.setattr(outbound, "connect", connect)
    return server


@pytest.fixture
def resolver(monkeypatch):
    """A fake DNS: names -> lists of addresses, answered in turn (the last one stays), with
    every lookup recorded. Names not listed do not resolve."""

    class FakeDNS:
        def __init__(self):
            self.answers: dict[str, list[list[str]]] = {}
            self.lookups: list[str] = []

        def __call__(self, host, port, **kwargs):
            self.lookups.append(host)
            answers = self.answers.get(host)
            if not answers:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            current = answers.pop(0) if len(answers) > 1 else answers[0]
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6,
                     "", (a, port)) for a in current]

    dns = FakeDNS()
    monkeypatch.setattr(outbound, "RESOLVER", dns)
    return dns
