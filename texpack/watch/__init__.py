"""Live mode: settle (when a dump is complete), source (file events), schedule (which dumps
next), watcher (lanes of games and the loop)."""
