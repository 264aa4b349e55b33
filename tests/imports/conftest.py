import pytest
from stdnum.pl import nip as stdnum_nip


@pytest.fixture(autouse=True)
def import_dir(request, tmp_path):
    """Uploads go to the test's own directory."""
    if "app" not in request.fixturenames:
        yield None
        return
    app = request.getfixturevalue("app")
    before = app.config.get("IMPORT_DIR")
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    yield tmp_path / "imports"
    app.config["IMPORT_DIR"] = before


def nip(n: int) -> str:
    """A valid NIP, different for each n (the next number with a good check digit)."""
    value = 1_100_000_000 + n * 1000
    while not stdnum_nip.is_valid(str(value)):
        value += 1
    return str(value)
