"""Imports every table module so `SQLModel.metadata` is complete (for migrations and tests)."""

from sqlmodel import SQLModel

import casework.models
import core.dialogs
import core.preferences
import core.rate_limits
import core.updates
import directory.models
import scheduler.models

metadata = SQLModel.metadata

__all__ = ["casework", "core", "directory", "metadata", "scheduler"]
