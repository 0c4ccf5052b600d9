"""A gateway open to the network with no API keys says so loudly when it starts."""

from pathlib import Path

from pydantic import SecretStr

from common.amqp.session import BrokerSession
from common.settings import Settings
from gateway.__main__ import exposure_warning
from gateway.settings import GatewaySettings
from tests.local_service import Stack


def test_an_open_gateway_on_every_interface_warns_at_start(
    settings: Settings, broker: BrokerSession, tmp_path: Path
) -> None:
    # Given `python -m gateway` on its default host, every interface, with no API keys
    stack = Stack(settings, tmp_path / "logs")
    stack.environment["T2V_HOST"] = "0.0.0.0"
    stack.environment.pop("T2V_API_KEYS", None)
    stack.environment.pop("T2V_ADMIN_API_KEYS", None)

    # When it starts
    stack.start("gateway")
    try:
        stack.wait_until_healthy()
    finally:
        stack.stop_all()

    # Then its log warns of the risk, and names the settings that remove it
    (line,) = [line for line in stack.log("gateway").splitlines() if "no API keys" in line]
    assert "level=WARNING" in line
    assert "T2V_API_KEYS" in line and "T2V_HOST=127.0.0.1" in line


def test_keys_or_a_loopback_address_need_no_warning(settings: Settings) -> None:
    base = GatewaySettings(**settings.model_dump())
    for host in ("0.0.0.0", "::", "192.168.1.20", "gateway.internal"):
        assert exposure_warning(base.model_copy(update={"host": host})) is not None, host
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.5"):
        assert exposure_warning(base.model_copy(update={"host": host})) is None, host
    keyed = base.model_copy(update={"host": "0.0.0.0", "api_keys": (SecretStr("k"),)})
    assert exposure_warning(keyed) is None
