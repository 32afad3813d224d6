"""Alert delivery adapters: Microsoft Teams, Slack, a signed generic webhook and e-mail over SMTP, all behind
one SSRF guard that checks every address a target name resolves to, at connect time."""
