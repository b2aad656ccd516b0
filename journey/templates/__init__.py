"""Jinja2 templates of the journey board (board.html.j2, board.md.j2) and the board's JSON schema."""
