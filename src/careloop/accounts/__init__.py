"""Accounts: users, roles, API tokens, and who may do what."""
