# The RZS emulator and the burst worker of the RZS tests: an order's send, end to end.
from tests.rzs.conftest import emulator, emulator_server, rzs  # noqa: F401
