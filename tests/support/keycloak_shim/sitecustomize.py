"""Loaded by the installed commands when a test puts this folder on PYTHONPATH: it bends what a
real deployment can meet, so Keycloak's own checks are reached through the real command.

AMPLIFY_TEST_CLOCK_SHIFT=S  this process's clock runs S seconds off (a skewed machine clock)
AMPLIFY_TEST_FIXED_JTI=ID   every uuid4() is ID (a client assertion sent again: a replay)
"""

import os
import time
import uuid

_shift = float(os.environ.get("AMPLIFY_TEST_CLOCK_SHIFT") or 0)
if _shift:
    _real_time = time.time
    time.time = lambda: _real_time() + _shift

_jti = os.environ.get("AMPLIFY_TEST_FIXED_JTI")
if _jti:
    uuid.uuid4 = lambda: uuid.UUID(_jti)
