"""Casework domain: staff roles, referrals, signposting and the case audit trail (no Telegram here)."""
