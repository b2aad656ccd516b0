"""User-facing message catalogues (nl.json, en.json) read by sync.i18n; package data."""
