"""Structured report → checks and findings → rendered reports."""

from reconcile.engine import reconcile
from reconcile.model import Check, Finding, Result
from reconcile.registry import RULES

__all__ = ["RULES", "Check", "Finding", "Result", "reconcile"]
