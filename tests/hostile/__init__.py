"""Hostile and careless input: bad URLs, odd cell contents, damaged sheets, bad configuration."""
