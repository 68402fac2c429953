"""Reports for commissioners and leads (pseudonymised)."""
