"""Storage: engine and sessions, the declarative base, migrations, audit trail."""
