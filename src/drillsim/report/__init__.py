"""Human-facing renderings of plans and results: text, timelines, HTML reports."""
