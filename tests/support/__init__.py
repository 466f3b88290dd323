"""Test support: databases, services and factories."""
