"""Local stand-ins for the catalogue's OpenRegister API and GitHub. Imports nothing from the service packages."""
