"""HTML pages: Jinja2 templates with htmx, every string through gettext."""
