"""Local stand-ins for the catalogue's OpenRegister API and GitHub; imports no service package."""
