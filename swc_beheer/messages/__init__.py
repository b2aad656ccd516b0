"""User-facing message catalogues (nl.json, en.json) read by swc_beheer.i18n; package data."""
