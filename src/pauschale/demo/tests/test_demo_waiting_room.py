"""``pauschale demo --waiting-room``: applicants wait in the room at a low rate
and the summary says how the waits shown compared with the real ones."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the demo always runs on its own SQLite file",
)
APPLICANTS = 12


def test_the_demo_sends_applicants_through_the_waiting_room(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pauschale.config.settings.dev",
        "PAUSCHALE_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": "",
        "REDIS_URL": "",
    }
    command = [sys.executable, "-m", "pauschale.cli", "demo"]
    command += ["--applicants", str(APPLICANTS), "--out", str(tmp_path)]
    command += ["--waiting-room", "--waiting-room-rate", "2"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)

    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    room = summary["waiting_room"]
    assert summary["problems"] == []
    assert room["admission_rate_per_s"] == 2
    assert room["tickets"] >= APPLICANTS
    assert room["admitted"] == room["tickets"] == room["max_position"]
    assert room["browsers_that_waited"] >= 1
    assert 0 <= room["mean_abs_eta_error_s"] < 5
    assert "Waiting room at 2.0/s" in done.stdout
