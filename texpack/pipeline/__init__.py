"""The build pipeline shared by ``build`` and ``watch``: sources (dump pixels and their
cache) → plan (jobs) → execute (network, finish, write) with the ledger (who owns each
pack file)."""
