"""Plumbing shared by the Partner Center and Dynamics 365 adapters: one HTTP policy, one token provider,
one error tree. See /work/helper-notes/integrations-common.md for the contract the adapters code against.

This package imports only the standard library, httpx, requests (via MSAL) and MSAL; never another
integration, the services, the API, the jobs or the database.
"""
