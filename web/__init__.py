"""The lawyer-facing views: templates and static assets, no external CDN."""
