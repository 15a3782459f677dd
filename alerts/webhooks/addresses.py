"""Which webhook URLs Passerelle may call. Without this, a registered URL could make the server
call its own network (metadata services, databases, admin consoles): the host is resolved and every
address must be public, at registration and again at each delivery, which then connects to the
address checked (a DNS answer changed in between, "DNS rebinding", gains nothing)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class RefusedAddress(ValueError):
    """The message is French, shown to the administrator and kept in the delivery log."""


def private_allowed() -> bool:
    return settings.DEBUG or settings.PASSERELLE_WEBHOOK_ALLOW_PRIVATE


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def checked_target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to) of an acceptable URL; RefusedAddress otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedAddress(_("Adresse invalide.")) from None
    if parts.scheme != "https" and not (private_allowed() and parts.scheme == "http"):
        raise RefusedAddress(_("L'adresse doit commencer par https://."))
    if not parts.hostname or parts.username or parts.password:
        raise RefusedAddress(_("Adresse invalide : un nom d'hôte, sans identifiant ni mot de passe."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise RefusedAddress(_("Le nom d'hôte « %s » est introuvable.") % parts.hostname) from None
    addresses = [info[4][0] for info in infos]
    if not private_allowed() and not all(is_public(a) for a in addresses):
        raise RefusedAddress(
            _(
                "L'adresse « %s » désigne un réseau privé ou local : seules les adresses publiques sont acceptées."
            )
            % parts.hostname
        )
    return parts.scheme, parts.hostname, port, addresses[0]
