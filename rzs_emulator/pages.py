"""The read-only pages: `/` (every producer with its counts, the latest events, the faults
switched on) and `/<code>/` (one producer: its service companies, counts and the latest
devices, taxpayers, locations, events and requests; `?show=<section>&page=N` pages through one
section, newest first)."""

from __future__ import annotations

from rzs_emulator.config import Config
from rzs_emulator.store import Store

PER_PAGE = 50
PREVIEW = 15

SECTIONS = {
    "devices": (
        "Kasy",
        "SELECT d.unique_no, d.factory_no, d.service_nip, d.source, d.registered_at,"
        " t.nip AS taxpayer_nip, t.name AS taxpayer_name, l.name AS location_name,"
        " l.street, l.postal_code, l.city,"
        " (SELECT count(*) FROM events e WHERE e.device_id = d.id) AS events"
        " FROM devices d LEFT JOIN taxpayers t ON t.id = d.taxpayer_id"
        " LEFT JOIN locations l ON l.id = d.location_id"
        " WHERE d.producer = ? ORDER BY d.id DESC LIMIT ? OFFSET ?",
        "SELECT count(*) AS n FROM devices WHERE producer = ?",
    ),
    "taxpayers": (
        "Podatnicy",
        "SELECT t.nip, t.name, t.street, t.postal_code, t.city, t.created_at, t.updated_at,"
        " (SELECT count(*) FROM locations l WHERE l.taxpayer_id = t.id) AS locations,"
        " (SELECT count(*) FROM devices d WHERE d.taxpayer_id = t.id) AS devices"
        " FROM taxpayers t WHERE t.producer = ? ORDER BY t.id DESC LIMIT ? OFFSET ?",
        "SELECT count(*) AS n FROM taxpayers WHERE producer = ?",
    ),
    "locations": (
        "Lokalizacje",
        "SELECT l.name, l.street, l.postal_code, l.city, l.created_at, t.nip AS taxpayer_nip,"
        " t.name AS taxpayer_name,"
        " (SELECT count(*) FROM devices d WHERE d.location_id = l.id) AS devices"
        " FROM locations l JOIN taxpayers t ON t.id = l.taxpayer_id"
        " WHERE t.producer = ? ORDER BY l.id DESC LIMIT ? OFFSET ?",
        "SELECT count(*) AS n FROM locations l JOIN taxpayers t ON t.id = l.taxpayer_id"
        " WHERE t.producer = ?",
    ),
    "events": (
        "Zdarzenia",
        "SELECT e.event_id, e.kind, e.performed_on, e.seal_no, e.technician_name,"
        " e.service_nip, e.started_at, e.finished_at, e.received_at, e.request_id,"
        " d.unique_no, d.factory_no, t.nip AS taxpayer_nip, t.name AS taxpayer_name"
        " FROM events e JOIN devices d ON d.id = e.device_id"
        " JOIN taxpayers t ON t.id = e.taxpayer_id"
        " WHERE e.producer = ? ORDER BY e.id DESC LIMIT ? OFFSET ?",
        "SELECT count(*) AS n FROM events WHERE producer = ?",
    ),
    "requests": (
        "Żądania /events",
        "SELECT id, received_at, service_nip, events, reply, reply_lost FROM requests"
        " WHERE producer = ? ORDER BY id DESC LIMIT ? OFFSET ?",
        "SELECT count(*) AS n FROM requests WHERE producer = ?",
    ),
}

KIND_NAMES = {"PU": "przegląd", "F": "fiskalizacja", "L": "likwidacja", "N": "naprawa"}


def company_names(config: Config) -> dict[str, str]:
    return {c.nip: c.name for p in config.producers for c in p.companies}


def sections(store: Store, code: str, show: str, page: int) -> list[dict]:
    out = []
    for key, (title, sql, count_sql) in SECTIONS.items():
        if show and key != show:
            continue
        limit = PER_PAGE if show else PREVIEW
        offset = (page - 1) * PER_PAGE if show else 0
        total = store.query(count_sql, (code,))[0]["n"]
        rows = store.query(sql, (code, limit, offset))
        out.append({"key": key, "title": title, "rows": rows, "total": total,
                    "pages": max(1, -(-total // PER_PAGE))})
    return out


def recent_events(store: Store, code: str | None, limit: int) -> list:
    return store.query(
        "SELECT e.producer, e.event_id, e.kind, e.performed_on, e.seal_no, e.service_nip,"
        " e.received_at, d.unique_no, d.factory_no"
        " FROM events e JOIN devices d ON d.id = e.device_id"
        + (" WHERE e.producer = ?" if code else "")
        + " ORDER BY e.id DESC LIMIT ?",
        (code, limit) if code else (limit,),
    )


STYLE = """
<style>
 body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
 h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
 table { border-collapse: collapse; margin: .4rem 0; }
 th, td { border: 1px solid #ccc; padding: .2rem .5rem; text-align: left; vertical-align: top; }
 th { background: #f1f1f1; } td.n { text-align: right; }
 .muted { color: #777; } .warn { color: #a40; } pre { margin: 0; white-space: pre-wrap; }
 nav a { margin-right: .6rem; }
</style>
"""

INDEX = """<!doctype html>
<html lang="pl"><head><meta charset="utf-8"><title>RZS — emulator</title>""" + STYLE + """
</head><body>
<h1>RZS — emulator rejestru zdarzeń serwisowych</h1>
<p class="muted">Tylko do odczytu. Protokół: shared/design/rzs-api.md.</p>
{% set f = faults %}
{% if f.latency_ms or f.fail_share or f.throttle or f.hang_share or f.lose_reply_share %}
<p class="warn">Włączone usterki:
 {% if f.latency_ms %}opóźnienie {{ f.latency_ms }} ms; {% endif %}
 {% if f.throttle %}429 dla {{ f.throttle }} z każdych {{ f.throttle_every }} żądań
   (Retry-After {{ f.retry_after }} s); {% endif %}
 {% if f.hang_share %}zawieszenie {{ f.hang_share }} żądań na {{ f.hang_seconds }} s; {% endif %}
 {% if f.fail_share %}500 dla {{ f.fail_share }} żądań /events; {% endif %}
 {% if f.lose_reply_share %}utracona odpowiedź ({{ f.lose_reply_mode }})
   dla {{ f.lose_reply_share }} żądań /events; {% endif %}
 {% if f.seed is not none %}ziarno {{ f.seed }}{% endif %}
</p>
{% endif %}
<h2>Producenci</h2>
<table>
<tr><th>Kod</th><th>Nazwa</th><th>NIP</th><th>Prefiksy</th><th>Firmy serwisowe</th>
<th>Kasy</th><th>Podatnicy</th><th>Lokalizacje</th><th>Przeglądy</th><th>Fiskalizacje</th>
<th>Likwidacje</th><th>Naprawy</th><th>Żądania</th></tr>
{% for p, c in producers %}
<tr><td><a href="/{{ p.code }}/">{{ p.code }}</a></td><td>{{ p.name }}</td><td>{{ p.nip }}</td>
<td>{{ p.prefix_list | join(", ") }}</td>
<td>{% for s in p.companies %}{{ s.name }} ({{ s.nip }}){% if not loop.last %}<br>{% endif %}
{% endfor %}</td>
<td class="n">{{ c.devices }}</td><td class="n">{{ c.taxpayers }}</td>
<td class="n">{{ c.locations }}</td><td class="n">{{ c.events_PU }}</td>
<td class="n">{{ c.events_F }}</td><td class="n">{{ c.events_L }}</td>
<td class="n">{{ c.events_N }}</td><td class="n">{{ c.requests }}</td></tr>
{% endfor %}
</table>
<h2>Ostatnie zdarzenia</h2>
{% if recent %}
<table>
<tr><th>Przyjęte</th><th>Producent</th><th>Id</th><th>Rodzaj</th><th>Nr unikatowy</th>
<th>Nr fabryczny</th><th>Data wykonania</th><th>Plomba</th><th>Serwis</th></tr>
{% for e in recent %}
<tr><td>{{ e.received_at }}</td><td><a href="/{{ e.producer }}/">{{ e.producer }}</a></td>
<td>{{ e.event_id }}</td><td>{{ e.kind }}</td><td>{{ e.unique_no }}</td><td>{{ e.factory_no }}</td>
<td>{{ e.performed_on }}</td><td>{{ e.seal_no }}</td>
<td>{{ names.get(e.service_nip, "") }} ({{ e.service_nip }})</td></tr>
{% endfor %}
</table>
{% else %}<p class="muted">Brak zdarzeń.</p>{% endif %}
</body></html>
"""

PRODUCER = """<!doctype html>
<html lang="pl"><head><meta charset="utf-8">
<title>RZS — {{ producer.name }}</title>""" + STYLE + """
</head><body>
<nav><a href="/">← wszyscy producenci</a></nav>
<h1>{{ producer.name }} <span class="muted">({{ producer.code }})</span></h1>
<p>NIP {{ producer.nip }}; prefiksy {{ producer.prefix_list | join(", ") }};
adres API <code>{{ base }}/{{ producer.code }}</code></p>
<p>Kasy: {{ counts.devices }}, podatnicy: {{ counts.taxpayers }},
lokalizacje: {{ counts.locations }}, zdarzenia: {{ counts.events }}
(PU {{ counts.events_PU }}, F {{ counts.events_F }}, L {{ counts.events_L }},
N {{ counts.events_N }}), żądania: {{ counts.requests }}</p>
{% if not show %}
<h2>Firmy serwisowe</h2>
<table><tr><th>NIP</th><th>Nazwa</th><th>Login API</th><th>Plomby serwisantów</th></tr>
{% for s in producer.companies %}
<tr><td>{{ s.nip }}</td><td>{{ s.name }}</td><td>{{ s.login }}</td>
<td>{{ s.seal_list | join(", ") }}</td></tr>
{% endfor %}</table>
{% endif %}
{% for s in sections %}
<h2>{{ s.title }} <span class="muted">({{ s.total }})</span></h2>
{% if show %}
<nav>{% if page > 1 %}<a href="?show={{ s.key }}&page={{ page - 1 }}">← nowsze</a>{% endif %}
strona {{ page }} z {{ s.pages }}
{% if page < s.pages %}<a href="?show={{ s.key }}&page={{ page + 1 }}">starsze →</a>{% endif %}
<a href="/{{ producer.code }}/">podsumowanie</a></nav>
{% elif s.total > s.rows | length %}
<p><a href="?show={{ s.key }}">wszystkie ({{ s.total }}) →</a></p>
{% endif %}
{% if not s.rows %}<p class="muted">Brak.</p>
{% elif s.key == "devices" %}
<table><tr><th>Nr unikatowy</th><th>Nr fabryczny</th><th>Serwis (posiadacz)</th>
<th>Podatnik</th><th>Lokalizacja</th><th>Zdarzenia</th><th>Zarejestrowana</th></tr>
{% for r in s.rows %}
<tr><td>{{ r.unique_no }}</td><td>{{ r.factory_no }}</td>
<td>{{ names.get(r.service_nip, "inny serwis") }} ({{ r.service_nip }})</td>
<td>{% if r.taxpayer_nip %}{{ r.taxpayer_name }} ({{ r.taxpayer_nip }}){% else %}
<span class="muted">—</span>{% endif %}</td>
<td>{% if r.street %}{% if r.location_name %}{{ r.location_name }}, {% endif %}{{ r.street }},
{{ r.postal_code }} {{ r.city }}{% else %}<span class="muted">—</span>{% endif %}</td>
<td class="n">{{ r.events }}</td>
<td>{{ r.registered_at }}{% if r.source == "config" %}
<span class="muted">(z konfiguracji)</span>{% endif %}</td></tr>
{% endfor %}</table>
{% elif s.key == "taxpayers" %}
<table><tr><th>NIP</th><th>Nazwa</th><th>Adres</th><th>Lokalizacje</th><th>Kasy</th>
<th>Dodany</th><th>Zmieniony</th></tr>
{% for r in s.rows %}
<tr><td>{{ r.nip }}</td><td>{{ r.name }}</td>
<td>{{ r.street }} {{ r.postal_code }} {{ r.city }}</td><td class="n">{{ r.locations }}</td>
<td class="n">{{ r.devices }}</td><td>{{ r.created_at }}</td><td>{{ r.updated_at }}</td></tr>
{% endfor %}</table>
{% elif s.key == "locations" %}
<table><tr><th>Nazwa</th><th>Adres</th><th>Podatnik</th><th>Kasy</th><th>Dodana</th></tr>
{% for r in s.rows %}
<tr><td>{{ r.name }}</td><td>{{ r.street }}, {{ r.postal_code }} {{ r.city }}</td>
<td>{{ r.taxpayer_name }} ({{ r.taxpayer_nip }})</td><td class="n">{{ r.devices }}</td>
<td>{{ r.created_at }}</td></tr>
{% endfor %}</table>
{% elif s.key == "events" %}
<table><tr><th>Przyjęte</th><th>Id</th><th>Rodzaj</th><th>Nr unikatowy</th>
<th>Nr fabryczny</th><th>Data wykonania</th><th>Serwisant</th><th>Podatnik</th>
<th>Serwis</th><th>Żądanie</th></tr>
{% for r in s.rows %}
<tr><td>{{ r.received_at }}</td><td>{{ r.event_id }}</td>
<td>{{ r.kind }} <span class="muted">{{ kinds.get(r.kind, "") }}</span></td>
<td>{{ r.unique_no }}</td><td>{{ r.factory_no }}</td><td>{{ r.performed_on }}
{% if r.started_at %}<br><span class="muted">{{ r.started_at }} – {{ r.finished_at }}</span>
{% endif %}</td>
<td>{{ r.technician_name }} ({{ r.seal_no }})</td>
<td>{{ r.taxpayer_name }} ({{ r.taxpayer_nip }})</td>
<td>{{ names.get(r.service_nip, "") }} ({{ r.service_nip }})</td>
<td class="n">{{ r.request_id }}</td></tr>
{% endfor %}</table>
{% elif s.key == "requests" %}
<table><tr><th>Nr</th><th>Przyjęte</th><th>Serwis</th><th>Zdarzeń</th><th>Odpowiedź</th></tr>
{% for r in s.rows %}
{% set lines = r.reply.split("\\n") %}
<tr><td class="n">{{ r.id }}</td><td>{{ r.received_at }}</td>
<td>{{ names.get(r.service_nip, "") }} ({{ r.service_nip }})</td><td class="n">{{ r.events }}</td>
<td><pre>{{ lines[:12] | join("\\n") }}{% if lines | length > 12 %}
… ({{ lines | length - 12 }} więcej wierszy){% endif %}</pre>
{% if r.reply_lost %}<span class="warn">odpowiedź utracona (usterka)</span>{% endif %}</td></tr>
{% endfor %}</table>
{% endif %}
{% endfor %}
</body></html>
"""
