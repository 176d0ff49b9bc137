"""careloop: customer-care operations for cross-border e-commerce brands."""

__version__ = "0.1.0"
