"""Fakes that are real servers on 127.0.0.1 speaking the vendors' protocols (moved from ``tests/fakes`` so the
demo can serve them; ``tests/fakes/<name>.py`` still imports each under its old name)."""
