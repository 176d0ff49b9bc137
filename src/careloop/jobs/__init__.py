"""Background work the application runs by itself (see `periodic`)."""
