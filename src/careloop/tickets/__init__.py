"""Tickets: complaints with their conversation, and the brands, customers and orders behind them."""
