"""``texpack review``: a local page to look at every texture before and after, and tune the
game's profile from it (catalog → service → server → static page; export for release notes)."""
