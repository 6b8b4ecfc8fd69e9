import pytest

from outbox import services


@pytest.fixture(autouse=True)
def _mail_server_not_failed_recently(monkeypatch):
    """Each test starts as a fresh process would: no recent mail failure that
    makes requests leave sending to the command."""
    monkeypatch.setattr(services, "_paused_until", 0.0)
