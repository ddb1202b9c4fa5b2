"""Message catalogs: gettext translations of the interface, looked up per user language."""
