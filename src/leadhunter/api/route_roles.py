"""Every route's role, in one table: ``"<METHOD> <path template>": "<role>"``.

**Declaring the role of a new route is one line here**, e.g. ``"POST /api/leads/{domain}/notes": "seller",``
(the method in capitals and the path exactly as the router declares it, prefix included; ``{name}``
placeholders as written). Roles: ``public`` (anyone, signed in or not), ``viewer`` (read, export),
``seller`` (+ scan, import, tag, note, push to D365), ``admin`` (+ integrations, alert targets, API keys,
rule files, activity). A route missing from this table is refused to everyone but admins at run time
(fail closed), and ``tests/api/test_route_roles.py`` fails listing it.
"""

from __future__ import annotations

from leadhunter.domain.access import RouteRole

ROUTE_ROLES: dict[str, RouteRole] = {
    # operations and the static UI
    "GET /healthz/live": "public",
    "GET /healthz/ready": "public",
    "GET /metrics": "public",
    "GET /openapi.json": "public",
    "GET /": "public",
    "GET /static/{relative:path}": "public",
    # sign-in
    "GET /auth/login": "public",
    "GET /auth/callback": "public",
    "POST /auth/logout": "public",
    "GET /api/me": "viewer",
    # leads
    "GET /api/leads": "viewer",
    "GET /api/leads/kpis": "viewer",
    "GET /api/leads/facets": "viewer",
    "GET /api/leads/export": "viewer",
    "GET /api/leads/{domain}": "viewer",
    "POST /api/leads": "seller",
    "POST /api/leads/rescan": "seller",
    "POST /api/leads/{domain}/rescan": "seller",
    # scans and imports
    "POST /api/scans": "seller",
    "GET /api/jobs": "viewer",
    "GET /api/rescan": "viewer",
    "GET /api/dashboard": "viewer",
    "GET /api/integrations": "admin",
    "GET /api/leads/{domain}/brief": "viewer",
    "GET /api/leads/{domain}/summary.pdf": "viewer",
    "GET /api/jobs/{job_id}": "viewer",
    "POST /api/jobs/{job_id}/cancel": "seller",
    "POST /api/imports": "seller",
    "GET /api/imports/{import_id}": "viewer",
    "POST /api/webhooks/leads": "seller",
    # alerts
    "GET /api/alerts": "viewer",
    "POST /api/alerts/{alert_id}/ack": "seller",
    # alert delivery targets and their outbox (secrets, outbound connections): admins only
    "GET /api/alert-targets": "admin",
    "POST /api/alert-targets": "admin",
    "GET /api/alert-targets/deliveries": "admin",
    "POST /api/alert-targets/deliveries/{delivery_id}/retry": "admin",
    "GET /api/alert-targets/{target_id}": "admin",
    "PUT /api/alert-targets/{target_id}": "admin",
    "DELETE /api/alert-targets/{target_id}": "admin",
    "POST /api/alert-targets/{target_id}/test": "admin",
    # Partner Center referrals
    "POST /api/referrals/sync": "seller",
    "GET /api/referrals/sync-status": "viewer",
    "GET /api/referrals": "viewer",
    "GET /api/referrals/{referral_id}": "viewer",
    "POST /api/referrals/{referral_id}/link": "seller",
    "POST /api/referrals/{referral_id}/create-lead": "seller",
    # Dynamics 365
    "POST /api/d365/push": "seller",
    "POST /api/d365/retry/{lead}": "seller",
    "GET /api/d365/status": "viewer",
    "GET /api/d365/jobs/{job_id}": "viewer",
    # administration
    "GET /api/admin/keys": "admin",
    "POST /api/admin/keys": "admin",
    "POST /api/admin/keys/{key_id}/revoke": "admin",
    "GET /api/admin/activity": "admin",
    "GET /api/admin/sessions": "admin",
    "POST /api/admin/sessions/{session_id}/revoke": "admin",
    # tags, watchlist and notes
    "POST /api/leads/{domain}/tags": "seller",
    "DELETE /api/leads/{domain}/tags/{tag}": "seller",
    "POST /api/tags/bulk": "seller",
    "PUT /api/leads/{domain}/watch": "viewer",
    "DELETE /api/leads/{domain}/watch": "viewer",
    "GET /api/leads/{domain}/notes": "viewer",
    "POST /api/leads/{domain}/notes": "seller",
    "PATCH /api/leads/{domain}/notes/{note_id}": "seller",
    "DELETE /api/leads/{domain}/notes/{note_id}": "seller",
    "POST /api/leads/{domain}/notes/{note_id}/d365": "seller",
}
