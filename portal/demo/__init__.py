"""The demo edition loaded by `make run`."""
