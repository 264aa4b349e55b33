"""The process: state across a restart, the configuration file, the command line, the pages."""

import json
import subprocess
import sys

import pytest

from rzs_emulator import __main__ as cli
from tests.rzs_emulator.conftest import CONFIG, HELD_BY_Y, ROOT, event

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless


def test_state_survives_a_restart(start_emulator, tmp_path):
    data = tmp_path / "kept"
    emu = start_emulator(data=data)
    assert emu.lines([event("r1")])[1] == "r1: +Kasa +Podatnik +Lokalizacja +PU"
    assert emu.stop() == 0
    assert (data / "rzs.sqlite3").exists()

    emu = start_emulator(data=data)
    assert emu.lines([event("r1")]) == ["OK", "r1: Kasa PU"]
    assert emu.lines([event("r2", performed_on="2026-11-21")]) == [
        "OK", "r2: Kasa +PU", "Dodano przeglądów: 1"]
    # the configuration's device is registered once, still held by the other company
    assert emu.lines([event("r3", unique_no=HELD_BY_Y[0], factory_no=HELD_BY_Y[1])])[1] == \
        "r3: Błąd: Brak uprawnień do KASY (INNY SERWIS)"
    stats = emu.get("/_admin/stats").json()
    assert stats["posnet"]["devices"] == 2
    assert stats["posnet"]["events"] == 2


def test_reset_clears_the_state_but_keeps_the_configuration_devices(emulator):
    emulator.lines([event("a")])
    assert emulator.admin("reset").json() == {"ok": True}
    assert emulator.stored() == []
    stats = emulator.get("/_admin/stats").json()
    assert stats["posnet"]["devices"] == 1 and stats["novitus"]["devices"] == 0
    assert emulator.lines([event("a")])[1] == "a: +Kasa +Podatnik +Lokalizacja +PU"


def test_pages_list_what_the_registry_holds(emulator):
    emulator.lines([event("p1", name="<b>Zły & Syn</b>", street="ul. Ładna 7"),
                    event("p2", kind="N", unique_no="EBF0000000002", factory_no="PO2",
                          nip="6770065406")])
    index = emulator.get("/")
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    for text in ("Producent A", "Producent B", "5272457354", "ZBF, EBF", "Serwis X", "p1",
                 "ZBF0000000001"):
        assert text in index.text
    page = emulator.get("/posnet/").text
    for text in ("ZBF0000000001", "EBF0000000002", HELD_BY_Y[0], "z konfiguracji",
                 "&lt;b&gt;Zły &amp; Syn&lt;/b&gt;", "ul. Ładna 7", "P-1234, P-1235", "sx-api",
                 "p2", "przegląd", "naprawa", "Dodano przeglądów: 1"):
        assert text in page, text
    assert "<b>Zły" not in page
    assert "k-8f2c" not in page  # keys are not shown
    for section in ("devices", "taxpayers", "locations", "events", "requests"):
        reply = emulator.get(f"/posnet/?show={section}&page=1")
        assert reply.status_code == 200, section
        assert "strona 1 z 1" in reply.text
    assert emulator.get("/posnet/?show=nic").status_code == 404
    assert emulator.get("/nieznany/").status_code == 404
    # newest first
    events = emulator.get("/posnet/?show=events").text
    assert events.index("p2") < events.index("p1")


def _run(*args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rzs_emulator", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def _main(*args: str) -> int:
    """The command line in this process: the checks before the server starts."""
    try:
        return cli.main(list(args))
    except SystemExit as stop:  # argparse
        return stop.code


@pytest.mark.parametrize(
    "config,message",
    [
        ("not json", "not JSON"),
        ({"producers": []}, "no producers"),
        ({"producers": [{"code": "_admin", "nip": "5272457354", "name": "A",
                         "prefixes": ["ZBF"], "service_companies": []}]}, "producers[0].code"),
        ({"producers": [{"code": "a", "nip": "527245735", "name": "A", "prefixes": ["ZBF"],
                         "service_companies": []}]}, "producers[0].nip"),
        ({"producers": [{"code": "a", "nip": "5272457354", "name": "A", "prefixes": ["ZBF"],
                         "service_companies": [{"nip": "1234563218", "name": "X",
                                                "login": "x", "key": "k"}]}]},
         "producers[0].service_companies[0].seals"),
        ({"producers": [{"code": "a", "nip": "5272457354", "name": "A", "prefixes": ["ZBF"],
                         "service_companies": [], "devices": [{"unique_no": "zbf1",
                                                               "factory_no": "P",
                                                               "service_nip": "1234563218"}]}]},
         "producers[0].devices[0].unique_no"),
    ],
)
def test_a_bad_configuration_stops_at_start(tmp_path, capsys, config, message):
    path = tmp_path / "config.json"
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    assert _main("--port", "0", "--data", str(tmp_path / "d"), "--config", str(path)) == 2
    assert message in capsys.readouterr().err


def test_bad_options_stop_at_start(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(CONFIG))
    common = ["--port", "0", "--data", str(tmp_path / "d"), "--config", str(path)]
    assert _main(*common, "--fail-share", "1.5") == 2
    assert _main(*common, "--throttle", "5", "--throttle-every", "3") == 2
    assert "throttle" in capsys.readouterr().err
    assert _main(*common, "--lose-reply-mode", "reset") == 2
    # the real command line
    done = _run("--port", "0", "--data", str(tmp_path / "d"),
                "--config", str(tmp_path / "missing.json"))
    assert done.returncode == 2
    assert "missing.json: cannot read the configuration" in done.stderr
    assert not (tmp_path / "d").exists()
