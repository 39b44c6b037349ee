"""Lists and settings the test files share (import them: ``from conftest import ...``).

The dtype lists name every dtype winit generates; the scheme lists come from the
registry, so a scheme added there is tested everywhere these are used."""
from hypothesis import HealthCheck, settings

import winit

REAL = ["float32", "float64", "float16", "bfloat16"]
COMPLEX = ["complex64", "complex128"]
DTYPES = REAL + COMPLEX  # every dtype a random scheme takes
SHARDABLE = sorted(n for n, s in winit.SCHEMES.items() if s.shardable)
NOT_SHARDABLE = sorted(n for n, s in winit.SCHEMES.items() if not s.shardable)


def hypothesis_settings(max_examples: int) -> settings:
    """Deterministic property tests: fixed examples, no deadline (a busy CI machine is
    slow, not wrong)."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
