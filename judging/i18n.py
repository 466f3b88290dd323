"""No-op gettext marker so Babel can extract judging's English message templates."""


def N_(s: str) -> str:  # noqa: N802 - conventional Babel marker name
    """Return ``s`` unchanged; marks it for extraction (the web app translates it later)."""
    return s
