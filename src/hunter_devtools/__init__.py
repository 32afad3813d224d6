"""Hunter's development tools: the loopback stand-ins for Entra ID, Partner Center and Dynamics 365 (Dataverse)
that the test suite and ``hunter demo`` share. Not part of the product packages: ``leadhunter`` reaches them
only from the demo command (ARCHITECTURE.md, "External systems and their fakes")."""
