"""Prefect flows and the command line that starts them (Prefect is imported only for archive runs)."""
