"""Microsoft Partner Center Referrals adapter: client, payloads, mapping, errors."""
