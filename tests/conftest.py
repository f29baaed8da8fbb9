"""Test-wide settings.

Every derivation built in the test process is proved live: proof certificates (derive prove)
are a rendering cache and must never stand in for a proof under test.
"""

import os

os.environ["DERIVE_REPROVE"] = "1"
