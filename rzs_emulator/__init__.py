"""The reference RZS: a stateful registry of service events that speaks the wire protocol of
shared/design/rzs-api.md for several producers at once, with fault injection for tests and
benchmarks. Independent of the main app (it never imports `app.*`).

    python -m rzs_emulator --port 5050 --data DIR --config FILE [--host 127.0.0.1] [faults]

See rzs_emulator/README.md for the options, the admin endpoints and the choices made where the
protocol leaves room.
"""

from rzs_emulator.config import Config, ConfigError, load_config
from rzs_emulator.faults import FaultSettings
from rzs_emulator.web import create_app

__all__ = ["Config", "ConfigError", "FaultSettings", "create_app", "load_config"]
