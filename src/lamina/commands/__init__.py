"""Subcommands of the ``lamina`` command line, one module each."""
