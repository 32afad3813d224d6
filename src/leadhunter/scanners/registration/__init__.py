"""Registration data (registrar, creation and expiry dates, nameservers): RDAP, else WHOIS."""
