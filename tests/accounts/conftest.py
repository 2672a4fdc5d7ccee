"""Fixtures for the accounts tests."""

from __future__ import annotations
