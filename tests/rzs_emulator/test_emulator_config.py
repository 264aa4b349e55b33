"""scripts/emulator_config.py: the demo tenant's configuration, as the emulator reads it."""

import importlib.util
import json
import subprocess
import sys

import pytest

from app.demo import DEMO_PRODUCERS, DEMO_TECHNICIANS, DEMO_TENANT
from rzs_emulator.config import load_config
from tests.rzs_emulator.conftest import ROOT, event

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless

SCRIPT = ROOT / "scripts" / "emulator_config.py"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("emulator_config", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_matches_the_demo(tmp_path, start_emulator):
    out = tmp_path / "rzs" / "config.json"
    # as `make run` calls it: a script run with the venv's Python
    subprocess.run([sys.executable, str(SCRIPT), str(out),
                    "--foreign-device", "novitus:BCD2412345678:ABC12345678"],
                   cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    config = load_config(out)  # valid for the emulator
    assert [p.code for p in config.producers] == [p.code for p in DEMO_PRODUCERS]
    for demo, producer in zip(DEMO_PRODUCERS, config.producers, strict=True):
        assert (producer.nip, producer.name) == (demo.nip, demo.name)
        assert producer.prefix_list == demo.unique_prefixes
        tenant = producer.company_named(DEMO_TENANT["nip"])
        assert (tenant.name, tenant.login, tenant.key) == (
            DEMO_TENANT["name"], demo.api_login, demo.api_key)
        assert tenant.seals == {t.seal_no for t in DEMO_TECHNICIANS
                                if demo.code in dict(t.authorisations)}
        # a device held by another company, valid for the producer's prefixes
        others = [d for d in producer.devices if d.service_nip != DEMO_TENANT["nip"]]
        assert others and all(d.unique_no[:3] in demo.unique_prefixes for d in others)
    novitus = config.by_code["novitus"]
    assert ("BCD2412345678", "ABC12345678") in {(d.unique_no, d.factory_no)
                                                 for d in novitus.devices}

    # the demo's producers, parameters and seals work against the emulator
    emu = start_emulator(config=out)
    posnet = DEMO_PRODUCERS[0]
    with emu.client("posnet", service_nip=DEMO_TENANT["nip"], login=posnet.api_login,
                    key=posnet.api_key, producer_nip=posnet.nip) as client:
        assert client.post("/ping", json={}).text == "OK"
        foreign = config.by_code["posnet"].devices[0]
        seal = next(t.seal_no for t in DEMO_TECHNICIANS if "posnet" in dict(t.authorisations))
        reply = client.post("/events", json={"events": [
            event("d1", unique_no=foreign.unique_no, factory_no=foreign.factory_no,
                  seal_no=seal),
            event("d2", unique_no="ZBF2400000001", factory_no="PO240000001", seal_no=seal),
        ]})
    assert reply.text.split("\n")[:3] == [
        "OK", "d1: Błąd: Brak uprawnień do KASY (INNY SERWIS)",
        "d2: +Kasa +Podatnik +Lokalizacja +PU"]


def test_stdout_and_bad_foreign_device(script, tmp_path, capsys):
    assert script.main(["-"]) == 0
    assert json.loads(capsys.readouterr().out)["producers"][0]["code"] == DEMO_PRODUCERS[0].code
    with pytest.raises(SystemExit) as stop:
        script.main([str(tmp_path / "x.json"), "--foreign-device", "nieznany:ZBF2400000001:PO1"])
    assert stop.value.code == 2
    assert "nieznany" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
