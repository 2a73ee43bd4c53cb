"""Nova's ``[vnc]`` options that the compute host uses: where guests' VNC servers listen
and the address the console proxies reach them at. The proxies' own options (base URLs,
their listen addresses) belong with the console service."""

from oslo_config import cfg

vnc_opts = [
    cfg.BoolOpt(
        "enabled",
        default=True,
        help="Give guests a VNC graphical console.",
    ),
    cfg.StrOpt(
        "server_listen",
        default="127.0.0.1",
        help="The address guests' VNC servers listen on (each gets a port from 5900 up).",
    ),
    cfg.StrOpt(
        "server_proxyclient_address",
        default="127.0.0.1",
        help="The address of this compute host that VNC console proxies connect to.",
    ),
    cfg.StrOpt(
        "keymap",
        help="Keyboard layout of the VNC console (e.g. en-us); unset leaves it to QEMU.",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [("vnc", vnc_opts)]
