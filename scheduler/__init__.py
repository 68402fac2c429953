"""Durable follow-up engine: follow-ups are rows in the database; APScheduler only drives the dispatcher."""
