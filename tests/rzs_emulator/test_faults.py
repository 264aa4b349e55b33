"""Fault injection, switched at run time (POST /_admin/faults) and by the command line."""

import time

import httpx
import pytest

from tests.rzs_emulator.conftest import event

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless


def new(i: int, tag: str = "f", series: int = 6) -> dict:
    return event(f"{tag}{i}", unique_no=f"ZBF{series}{i:09d}", factory_no=f"PO{series}{i:08d}")


def ping(emulator, **kw) -> httpx.Response:
    with emulator.client(**kw) as client:
        return client.post("/ping", json={})


def test_admin_faults_get_set_and_refuse(emulator):
    defaults = emulator.get("/_admin/faults").json()
    assert defaults == {
        "latency_ms": 0, "fail_share": 0.0, "throttle": 0, "throttle_every": 10,
        "retry_after": 1, "retry_after_date": False, "hang_share": 0.0, "hang_seconds": 35.0,
        "lose_reply_share": 0.0,
        "lose_reply_mode": "close", "seed": None,
    }
    set_ = emulator.faults(fail_share=0.5, seed=3)
    assert set_["fail_share"] == 0.5 and set_["seed"] == 3 and set_["latency_ms"] == 0
    # the body is the whole setting: what is left out is off
    assert emulator.faults(latency_ms=5)["fail_share"] == 0.0
    for bad in ({"fail_share": 1.5}, {"nonsense": 1}, {"throttle": 4, "throttle_every": 3},
                {"latency_ms": "10"}, {"lose_reply_mode": "reset"}, {"hang_seconds": -1}):
        reply = emulator.admin("faults", bad)
        assert reply.status_code == 400, bad
        assert reply.json()["error"]
    reply = httpx.post(f"{emulator.base}/_admin/faults", content=b"[1]",
                       headers={"Content-Type": "application/json"})
    assert reply.status_code == 400


def test_latency_is_added(emulator):
    started = time.perf_counter()
    assert ping(emulator).text == "OK"
    baseline = time.perf_counter() - started
    emulator.faults(latency_ms=300)
    started = time.perf_counter()
    assert ping(emulator).text == "OK"
    assert emulator.lines([new(1)])[1].endswith("+PU")
    slow = (time.perf_counter() - started) / 2
    assert slow >= 0.3
    assert slow - baseline >= 0.25


def test_fail_share_is_about_right_and_repeats_with_a_seed(emulator):
    def run(tag: str, series: int) -> list[int]:
        statuses = []
        with emulator.client() as client:
            for i in range(100):
                reply = client.post("/events", json={"events": [new(i, tag, series)]})
                statuses.append(reply.status_code)
                if reply.status_code == 500:
                    assert reply.text == "Błąd: Awaria rejestru"
                    assert reply.headers["content-type"] == "text/plain; charset=utf-8"
        return statuses

    emulator.faults(fail_share=0.3, seed=42)
    first = run("a", 7)
    assert set(first) == {200, 500}
    assert 15 <= first.count(500) <= 45
    emulator.faults(fail_share=0.3, seed=42)  # the same seed: the same draws
    assert run("b", 8) == first
    # a 500 stored nothing
    assert len(emulator.stored()) == 2 * first.count(200)
    # ping is never failed
    emulator.faults(fail_share=1.0)
    assert ping(emulator).status_code == 200
    assert emulator.send([new(999)]).status_code == 500


def test_throttle_answers_429_with_retry_after(emulator):
    emulator.faults(throttle=2, throttle_every=5, retry_after=3)
    statuses = []
    with emulator.client() as client:
        for i in range(10):
            reply = client.post("/events", json={"events": [new(i)]}) if i % 2 else \
                client.post("/ping", json={})
            statuses.append(reply.status_code)
            if reply.status_code == 429:
                assert reply.headers["retry-after"] == "3"
                assert reply.text == "Błąd: Zbyt wiele żądań"
    assert statuses == [429, 429, 200, 200, 200, 429, 429, 200, 200, 200]
    assert sorted(e["id"] for e in emulator.stored()) == ["f3", "f7", "f9"]


def test_hang_outlasts_a_short_client_timeout_then_is_processed(emulator):
    emulator.faults(hang_share=1.0, hang_seconds=1.0)
    started = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        emulator.send([new(1)], timeout=0.3)
    assert time.perf_counter() - started < 0.9
    with pytest.raises(httpx.ReadTimeout):
        ping(emulator, timeout=0.3)
    emulator.faults()
    # the hung request is handled after its sleep: the event arrives although nobody listened
    deadline = time.monotonic() + 5
    while not emulator.stored() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [e["id"] for e in emulator.stored()] == ["f1"]
    assert emulator.lines([new(1)]) == ["OK", "f1: Kasa PU"]


def test_lost_reply_close_stores_then_drops_the_connection(emulator):
    emulator.faults(lose_reply_share=1.0)
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        emulator.send([new(1), new(2)])
    # not on ping, not on a request that stored nothing
    assert ping(emulator).text == "OK"
    bad = new(3)
    bad["kind"] = "X"
    assert emulator.send([bad]).status_code == 422
    emulator.faults()
    assert sorted(e["id"] for e in emulator.stored()) == ["f1", "f2"]
    # the resend is recognised: delivered, not added again
    assert emulator.lines([new(1), new(2)]) == ["OK", "f1: Kasa PU", "f2: Kasa PU"]
    assert len(emulator.stored()) == 2
    page = emulator.get("/posnet/?show=requests").text
    assert "odpowiedź utracona" in page


def test_lost_reply_502(emulator):
    emulator.faults(lose_reply_share=1.0, lose_reply_mode="502")
    reply = emulator.send([new(1)])
    assert (reply.status_code, reply.text) == (502, "Błąd: Utracono odpowiedź rejestru")
    emulator.faults()
    assert emulator.lines([new(1)]) == ["OK", "f1: Kasa PU"]


def test_faults_from_the_command_line(start_emulator):
    emu = start_emulator(
        "--latency-ms", "200", "--throttle", "1", "--throttle-every", "3", "--retry-after", "7",
        "--fail-share", "0.25", "--hang-share", "0", "--hang-seconds", "2",
        "--lose-reply-share", "0.2", "--lose-reply-mode", "502", "--seed", "5",
    )
    assert emu.get("/_admin/faults").json() == {
        "latency_ms": 200, "fail_share": 0.25, "throttle": 1, "throttle_every": 3,
        "retry_after": 7, "retry_after_date": False, "hang_share": 0.0, "hang_seconds": 2.0,
        "lose_reply_share": 0.2,
        "lose_reply_mode": "502", "seed": 5,
    }
    started = time.perf_counter()
    reply = ping(emu)
    assert time.perf_counter() - started >= 0.2
    assert (reply.status_code, reply.headers["retry-after"]) == (429, "7")
    assert ping(emu).text == "OK"


def test_seeded_fail_share_repeats_across_runs(start_emulator, tmp_path):
    def run(data) -> list[int]:
        emu = start_emulator("--fail-share", "0.5", "--seed", "7", data=data)
        with emu.client() as client:
            statuses = [client.post("/events", json={"events": [new(i)]}).status_code
                        for i in range(30)]
        emu.stop()
        return statuses

    first = run(tmp_path / "one")
    assert 5 <= first.count(500) <= 25
    assert run(tmp_path / "two") == first


def test_admin_can_be_switched_off(start_emulator):
    emu = start_emulator("--no-admin")
    assert emu.get("/_admin/faults").status_code == 404
    assert ping(emu).text == "OK"
