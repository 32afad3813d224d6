"""Registration data (registrar, creation and expiry dates, nameservers): RDAP, and WHOIS where a registry has no RDAP."""
