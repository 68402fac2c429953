"""The ground floor: settings, database, clock, encryption, safe CSV, logging, dialog store and runtime.

Imports nothing of the project above it; every other package may import it.
"""
