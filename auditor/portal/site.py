"""The portal's pages beside the firm's own (``routes``): the clerk's page (``clerk``) and asking for a
new link (``relink``), made from the server's configuration, and closed with it."""

from __future__ import annotations

from auditor.portal.clerk import ClerkDoor, clerk_routes, public_base_url
from auditor.portal.relink import NewLinks, relink_routes


class PortalExtras:
    def __init__(self, portal, config):
        self.portal = portal
        self.door = ClerkDoor(config.clerk_password, portal.secure, public_base_url(portal.base_url))
        self.links = NewLinks(portal, config.settings, config.contacts)

    def routes(self, page, message) -> list:
        return clerk_routes(self.door, self.portal, page, message) + relink_routes(self.links, page, message)

    def close(self) -> None:
        self.links.close()
